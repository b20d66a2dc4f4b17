"""Use cases that read or hide archivos (the ones that store bytes are in `subida`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from archivos.events import ArchivoEliminado, actor
from archivos.models import Archivo, ArchivoVersion, Custodia, Expediente
from archivos.service import acceso
from sigexp_common import alcance, audit, context, outbox
from sigexp_common.envelope import utcnow
from sigexp_common.security import Usuario

LISTAR, ELIMINAR = "archivo.listar", "archivo.eliminar"


@dataclass(frozen=True)
class ArchivoConVersiones:
    archivo: Archivo
    versiones: Sequence[ArchivoVersion]  # oldest first

    @property
    def actual(self) -> ArchivoVersion:
        return next(v for v in self.versiones if v.n == self.archivo.version_actual)


async def versiones_de(
    db: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ArchivoVersion]]:
    """The versions of each archivo of `ids`, oldest first."""
    por_archivo: dict[uuid.UUID, list[ArchivoVersion]] = {i: [] for i in ids}
    if not ids:
        return por_archivo
    filas = await db.scalars(
        select(ArchivoVersion)
        .where(ArchivoVersion.archivo_id.in_(ids))
        .order_by(ArchivoVersion.archivo_id, ArchivoVersion.n)
    )
    for version in filas:
        por_archivo[version.archivo_id].append(version)
    return por_archivo


_COPIAS = (
    select(Custodia.mesas, Expediente.caracter)
    .join(Expediente, Expediente.id == Custodia.expediente_id)
    .where(Custodia.expediente_id == bindparam("expediente_id"))
)
_LISTA = (
    select(Archivo, ArchivoVersion)
    .join(ArchivoVersion, ArchivoVersion.archivo_id == Archivo.id)
    .where(Archivo.expediente_id == bindparam("expediente_id"), Archivo.eliminado_en.is_(None))
    .order_by(Archivo.creado_en, Archivo.id, ArchivoVersion.n)
)


async def listar_archivos(
    db: AsyncSession, expediente_id: uuid.UUID, por: Usuario
) -> list[ArchivoConVersiones]:
    """The expediente's archivos not deleted, oldest first, each with all its versions: two
    statements built once (the copies that decide the scope; the archivos with their
    versions), where building them per request cost more than running them (py-spy)."""
    copias_ = (await db.execute(_COPIAS, {"expediente_id": expediente_id})).first()
    if copias_ is None or copias_.caracter is None:
        raise alcance.desconocido(por, LISTAR, expediente_id)
    alcance.exigir(por, copias_.mesas, copias_.caracter, LISTAR, expediente_id, copia=True)
    por_archivo: dict[uuid.UUID, tuple[Archivo, list[ArchivoVersion]]] = {}
    for archivo, version in (await db.execute(_LISTA, {"expediente_id": expediente_id})).all():
        por_archivo.setdefault(archivo.id, (archivo, []))[1].append(version)
    if context.parte_de.get() is None:  # else the composed detail's record covers it
        await audit.lectura(
            db,
            por,
            LISTAR,
            f"expediente/{expediente_id}",
            expediente_id=expediente_id,
            detalle={"archivos": len(por_archivo)},
        )
    return [ArchivoConVersiones(a, v) for a, v in por_archivo.values()]


async def ver_versiones(
    db: AsyncSession, archivo_id: uuid.UUID, por: Usuario
) -> ArchivoConVersiones:
    """An archivo and its whole history (also once deleted: history is kept)."""
    archivo = await acceso.archivo_visible(db, archivo_id, por, LISTAR)
    versiones = (await versiones_de(db, [archivo.id]))[archivo.id]
    await audit.lectura(
        db, por, LISTAR, acceso.recurso(archivo_id), expediente_id=archivo.expediente_id
    )
    return ArchivoConVersiones(archivo, versiones)


async def eliminar_archivo(db: AsyncSession, archivo_id: uuid.UUID, por: Usuario) -> Archivo:
    """Hide the archivo from its expediente's list; its versions and bytes stay."""
    archivo = await acceso.archivo_modificable(db, archivo_id, por, ELIMINAR, bloquear=True)
    archivo.eliminado_en = utcnow()
    archivo.eliminado_por = por.id
    outbox.add(
        db,
        ArchivoEliminado(
            archivo_id=archivo.id,
            expediente_id=archivo.expediente_id,
            nombre=archivo.nombre,
            en=archivo.eliminado_en,
            **actor(por),
        ),
    )
    audit.registrar(
        db,
        por,
        ELIMINAR,
        acceso.recurso(archivo_id),
        expediente_id=archivo.expediente_id,
        detalle={"nombre": archivo.nombre, "versiones": archivo.version_actual},
    )
    return archivo
