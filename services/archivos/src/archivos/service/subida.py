"""Use cases that store bytes: a new archivo (its version 1) and a new version of one.

Each checks, lets `recepcion` commit the pending record and stream the body to the bucket
(nothing is held open meanwhile), then writes the rows, the event and the audit record while
the object's last part goes up, and `confirmando` commits them with the removal of the pending
record once the object is complete.
These two use cases commit themselves: where the commits fall is what keeps every row pointing
to an object and every object named by a row or a pending record.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from archivos.events import ArchivoAdjuntado, ArchivoReemplazado, actor
from archivos.models import Archivo, ArchivoVersion, clave_objeto
from archivos.service import acceso, copias, recepcion
from archivos.service.archivos import ArchivoConVersiones, versiones_de
from archivos.storage import Almacen
from sigexp_common import audit, outbox
from sigexp_common.envelope import utcnow
from sigexp_common.errors import ErrorDominio
from sigexp_common.ids import uuid7
from sigexp_common.security import Usuario

SUBIR, REEMPLAZAR = "archivo.subir", "archivo.reemplazar"


@dataclass(frozen=True)
class Cuerpo:
    """The request's body as it streams, and what its headers say of it."""

    trozos: AsyncIterator[bytes]
    content_type: str | None
    content_length: str | None


@dataclass(frozen=True)
class Destino:
    """Where an upload goes: the bucket, and the sessions of its own short transactions."""

    sesiones: async_sessionmaker[AsyncSession]
    almacen: Almacen


@contextlib.contextmanager
def _registrando(
    por: Usuario, accion: str, recurso: str, expediente_id: uuid.UUID
) -> Iterator[None]:
    """The block's refusals recorded (413, 415, 422, 503, ...), when not recorded already."""
    try:
        yield
    except ErrorDominio as error:
        if error.registro is None:
            audit.denegar(error, por, accion, recurso, expediente_id=expediente_id)
        raise


async def _recibir(
    db: AsyncSession, destino: Destino, clave: str, cuerpo: Cuerpo
) -> recepcion.Recibido:
    return await recepcion.recibir(
        db,
        destino.sesiones,
        destino.almacen,
        clave,
        cuerpo.trozos,
        cuerpo.content_type,
        cuerpo.content_length,
    )


def _version(
    archivo_id: uuid.UUID, n: int, recibido: recepcion.Recibido, por: Usuario
) -> ArchivoVersion:
    return ArchivoVersion(
        archivo_id=archivo_id,
        n=n,
        objeto=recibido.clave,
        nombre=recibido.nombre,
        tipo_mime=recibido.tipo_mime,
        tamanio=recibido.tamanio,
        sha256=recibido.sha256,
        subido_por=por.id,
        subido_en=utcnow(),
        estado_procesamiento="PENDIENTE",
        paginas_procesadas=0,
    )


def _datos_del_evento(archivo: Archivo, version: ArchivoVersion, por: Usuario) -> dict[str, object]:
    return {
        "archivo_id": archivo.id,
        "expediente_id": archivo.expediente_id,
        "version": version.n,
        "nombre": version.nombre,
        "tipo_mime": version.tipo_mime,
        "tamanio": version.tamanio,
        "sha256": version.sha256,
        "objeto": version.objeto,
        "en": version.subido_en,
        **actor(por),
    }


def _detalle(version: ArchivoVersion) -> dict[str, object]:
    return {
        "version": version.n,
        "nombre": version.nombre,
        "tipo_mime": version.tipo_mime,
        "tamanio": version.tamanio,
        "sha256": version.sha256,
    }


async def subir_archivo(
    db: AsyncSession,
    destino: Destino,
    expediente_id: uuid.UUID,
    cuerpo: Cuerpo,
    por: Usuario,
) -> ArchivoConVersiones:
    """A new archivo of the expediente, version 1 (CARGA; in scope; not ANULADO)."""
    await copias.expediente_modificable(db, expediente_id, por, SUBIR)
    archivo_id = uuid7()
    recurso = acceso.recurso(archivo_id)
    clave = clave_objeto(archivo_id)
    with _registrando(por, SUBIR, recurso, expediente_id):
        recibido = await _recibir(db, destino, clave, cuerpo)
        async with recepcion.confirmando(db, destino.sesiones, destino.almacen, recibido):
            await copias.expediente_modificable(db, expediente_id, por, SUBIR)  # annulled?
            version = _version(archivo_id, 1, recibido, por)
            archivo = Archivo(
                id=archivo_id,
                expediente_id=expediente_id,
                nombre=recibido.nombre,
                descripcion=recibido.descripcion,
                version_actual=1,
                creado_por=por.id,
                creado_en=version.subido_en,
            )
            db.add(archivo)
            await db.flush()
            db.add(version)
            evento = ArchivoAdjuntado.model_validate(_datos_del_evento(archivo, version, por))
            outbox.add(db, evento)
            audit.registrar(
                db, por, SUBIR, recurso, expediente_id=expediente_id, detalle=_detalle(version)
            )
            await db.flush()
    return ArchivoConVersiones(archivo, [version])


async def reemplazar_archivo(
    db: AsyncSession, destino: Destino, archivo_id: uuid.UUID, cuerpo: Cuerpo, por: Usuario
) -> ArchivoConVersiones:
    """A new version of an archivo; the earlier ones stay as they were. Its number is given
    when it commits (the archivo's row locked), so concurrent uploads each get their own."""
    archivo = await acceso.archivo_modificable(db, archivo_id, por, REEMPLAZAR)
    expediente_id = archivo.expediente_id
    recurso = acceso.recurso(archivo_id)
    clave = clave_objeto(archivo_id)
    with _registrando(por, REEMPLAZAR, recurso, expediente_id):
        recibido = await _recibir(db, destino, clave, cuerpo)
        async with recepcion.confirmando(db, destino.sesiones, destino.almacen, recibido):
            archivo = await acceso.archivo_modificable(
                db, archivo_id, por, REEMPLAZAR, bloquear=True
            )
            version = _version(archivo_id, archivo.version_actual + 1, recibido, por)
            db.add(version)
            archivo.version_actual = version.n
            archivo.nombre = version.nombre
            if recibido.descripcion is not None:
                archivo.descripcion = recibido.descripcion
            evento = ArchivoReemplazado.model_validate(_datos_del_evento(archivo, version, por))
            outbox.add(db, evento)
            audit.registrar(
                db, por, REEMPLAZAR, recurso, expediente_id=expediente_id, detalle=_detalle(version)
            )
            await db.flush()
            versiones = (await versiones_de(db, [archivo_id]))[archivo_id]
    return ArchivoConVersiones(archivo, versiones)
