"""`python -m archivos reconciliar`: the bucket and the rows made to agree again.

Uploads write the object first under a key recorded in `objetos_pendientes`, then commit the
version's row and delete that record together (`recepcion`). What a failure can leave, and
what this does with it:
- a pending record older than the grace period (`ARCHIVOS_PENDIENTE_GRACIA_MINUTOS`): its
  upload died; the record is claimed (deleted, committed) and then its object removed. An
  upload that was only slow finds its record gone when it commits and fails cleanly;
- an object of an upload's key form with neither a version row nor a pending record: orphaned
  (e.g. the record was lost with its database); removed;
- a version row whose object is missing from the bucket (lost outside the service): marked
  `objeto_faltante_en` (its download then says so, 409); unmarked if the object comes back.
Only keys `models.clave_objeto` makes are ever removed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from archivos.models import PREFIJO_OBJETOS, ArchivoVersion, ObjetoPendiente, es_clave_de_subida
from archivos.storage import Almacen
from sigexp_common.db import transaction
from sigexp_common.envelope import utcnow


@dataclass
class Informe:
    pendientes_descartados: list[str] = field(default_factory=list)
    pendientes_en_curso: int = 0
    huerfanos_borrados: list[str] = field(default_factory=list)
    faltantes_marcados: list[str] = field(default_factory=list)
    restaurados: list[str] = field(default_factory=list)

    def json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)


async def _claves_en_el_bucket(almacen: Almacen) -> set[str]:
    objetos = await asyncio.to_thread(lambda: list(almacen.listar(PREFIJO_OBJETOS)))
    return {o.clave for o in objetos if es_clave_de_subida(o.clave)}


async def _reclamar_pendientes(
    sesiones: async_sessionmaker[AsyncSession], gracia: timedelta, informe: Informe
) -> tuple[set[str], set[str]]:
    """Claim the stale records (deleted and committed: from now on their objects are ours to
    remove); answers (claimed, still in progress)."""
    limite = utcnow() - gracia
    async with transaction(sesiones) as db:
        reclamados = set(
            await db.scalars(
                delete(ObjetoPendiente)
                .where(ObjetoPendiente.creado_en < limite)
                .returning(ObjetoPendiente.objeto)
            )
        )
        en_curso = set(await db.scalars(select(ObjetoPendiente.objeto)))
    informe.pendientes_en_curso = len(en_curso)
    return reclamados, en_curso


async def reconciliar(
    sesiones: async_sessionmaker[AsyncSession], almacen: Almacen, gracia: timedelta
) -> Informe:
    informe = Informe()
    # Order matters: objects listed, then pending records read, then rows read. An upload's
    # record commits before its object exists, and its row commits as its record goes, so a
    # listed object is always seen with its record or its row (or it is an orphan).
    en_el_bucket = await _claves_en_el_bucket(almacen)
    reclamados, en_curso = await _reclamar_pendientes(sesiones, gracia, informe)
    async with transaction(sesiones) as db:
        filas = {
            objeto: faltante
            for objeto, faltante in await db.execute(
                select(ArchivoVersion.objeto, ArchivoVersion.objeto_faltante_en)
            )
        }
    for clave in sorted(reclamados - filas.keys()):
        await asyncio.to_thread(almacen.borrar, clave)
        informe.pendientes_descartados.append(clave)
    for clave in sorted(en_el_bucket - filas.keys() - en_curso - reclamados):
        await asyncio.to_thread(almacen.borrar, clave)
        informe.huerfanos_borrados.append(clave)
    await _filas_sin_objeto(sesiones, almacen, filas, en_el_bucket, informe)
    return informe


async def _filas_sin_objeto(
    sesiones: async_sessionmaker[AsyncSession],
    almacen: Almacen,
    filas: Mapping[str, datetime | None],
    en_el_bucket: set[str],
    informe: Informe,
) -> None:
    for clave, faltante in sorted(filas.items()):
        # Not listed may mean written after the listing: asked again, one by one.
        esta = clave in en_el_bucket or await asyncio.to_thread(almacen.existe, clave)
        if not esta and faltante is None:
            informe.faltantes_marcados.append(clave)
        elif esta and faltante is not None:
            informe.restaurados.append(clave)
    async with transaction(sesiones) as db:
        if informe.faltantes_marcados:
            await db.execute(
                update(ArchivoVersion)
                .where(ArchivoVersion.objeto.in_(informe.faltantes_marcados))
                .values(objeto_faltante_en=utcnow())
            )
        if informe.restaurados:
            await db.execute(
                update(ArchivoVersion)
                .where(ArchivoVersion.objeto.in_(informe.restaurados))
                .values(objeto_faltante_en=None)
            )
