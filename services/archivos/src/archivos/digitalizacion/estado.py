"""The processing state of a version, as the workers move it: PENDIENTE → PROCESANDO → LISTO
or ERROR. Each function takes the job's session; the worker owns the transactions."""

from __future__ import annotations

import uuid

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession

from archivos.events import ArchivoProcesado
from archivos.models import Archivo, ArchivoVersion
from archivos.procesamiento import recortar
from sigexp_common import outbox
from sigexp_common.envelope import utcnow

PENDIENTE, PROCESANDO, LISTO, ERROR = "PENDIENTE", "PROCESANDO", "LISTO", "ERROR"
FINALES = (LISTO, ERROR)


def clave_resultado(archivo_id: uuid.UUID, n: int, nombre: str) -> str:
    """Where the results of version `n` are stored: made from ids, never from user input, and
    outside `archivos/` (the prefix of the contents `reconciliar` judges)."""
    return f"digitalizacion/{archivo_id}/v{n}/{nombre}"


async def empezar(db: AsyncSession, archivo_id: uuid.UUID, n: int) -> ArchivoVersion | None:
    """The version to digitise, now PROCESANDO; None when there is nothing to do: it is LISTO
    or ERROR already (a repeated delivery), or its archivo was deleted. A version another
    worker left PROCESANDO (it died) is taken over."""
    version = await db.get(ArchivoVersion, (archivo_id, n), with_for_update=True)
    archivo = await db.get(Archivo, archivo_id)
    if version is None or archivo is None or archivo.eliminado_en is not None:
        return None
    if version.estado_procesamiento in FINALES:
        return None
    version.estado_procesamiento = PROCESANDO
    version.paginas_procesadas = 0
    return version


def _en_curso(archivo_id: uuid.UUID, n: int) -> list[object]:
    return [
        ArchivoVersion.archivo_id == archivo_id,
        ArchivoVersion.n == n,
        ArchivoVersion.estado_procesamiento.not_in(FINALES),
    ]


async def avanzar(db: AsyncSession, archivo_id: uuid.UUID, n: int, hechas: int, total: int) -> None:
    """Pages done so far (what the archivo's answer shows as `progreso`)."""
    await db.execute(
        update(ArchivoVersion)
        .where(*_en_curso(archivo_id, n))  # type: ignore[arg-type]
        .values(paginas=total, paginas_procesadas=hechas)
    )


async def terminar(
    db: AsyncSession,
    version: ArchivoVersion,
    expediente_id: uuid.UUID,
    paginas: int,
    texto: str,
    miniatura: str,
) -> bool:
    """LISTO with its results, and `sigexp.archivo.procesado.v1` in the same transaction;
    False (nothing written) when another delivery finished it first."""
    hecho = await db.execute(
        update(ArchivoVersion)
        .where(*_en_curso(version.archivo_id, version.n))  # type: ignore[arg-type]
        .values(
            estado_procesamiento=LISTO,
            paginas=paginas,
            paginas_procesadas=paginas,
            miniatura=miniatura,
            error_procesamiento=None,
            procesado_en=func.now(),
        )
        .returning(ArchivoVersion.n)
    )
    if hecho.first() is None:
        return False
    recortado, truncado = recortar(texto)
    outbox.add(
        db,
        ArchivoProcesado(
            archivo_id=version.archivo_id,
            expediente_id=expediente_id,
            version=version.n,
            estado=LISTO,
            paginas=paginas,
            texto=recortado,
            texto_truncado=truncado,
            error=None,
            en=utcnow(),
        ),
    )
    return True


async def fallar(
    db: AsyncSession, archivo_id: uuid.UUID, n: int, expediente_id: uuid.UUID, motivo: str
) -> bool:
    """ERROR with the reason a person reads, and `sigexp.archivo.procesado.v1` saying so;
    False when the version was already LISTO or ERROR."""
    hecho = await db.execute(
        update(ArchivoVersion)
        .where(*_en_curso(archivo_id, n))  # type: ignore[arg-type]
        .values(estado_procesamiento=ERROR, error_procesamiento=motivo, procesado_en=func.now())
        .returning(ArchivoVersion.paginas)
    )
    fila = hecho.first()
    if fila is None:
        return False
    outbox.add(
        db,
        ArchivoProcesado(
            archivo_id=archivo_id,
            expediente_id=expediente_id,
            version=n,
            estado=ERROR,
            paginas=fila.paginas,
            texto="",
            texto_truncado=False,
            error=motivo,
            en=utcnow(),
        ),
    )
    return True
