"""Copies of other services' state (custody from pases, caracter and lifecycle from
expedientes) and the one check every archivos route makes against them."""

from __future__ import annotations

import uuid

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from archivos.events import (
    CustodiaActualizada,
    ExpedienteActualizado,
    ExpedienteAnulado,
    ExpedienteIniciado,
)
from archivos.models import Custodia, Expediente
from sigexp_common import alcance, audit, projection
from sigexp_common.errors import Conflicto
from sigexp_common.security import Usuario

VERSION_INICIAL = 1  # the expediente as started; its later changes carry newer ones
ANULADO = "ANULADO"
YA_ANULADO = "El expediente fue anulado: no admite cambios en sus archivos."


async def registrar_custodia(db: AsyncSession, evento: CustodiaActualizada) -> None:
    """Keep the copy of pases' custody: only a newer version replaces it."""
    await projection.apply_if_newer(
        db,
        Custodia,
        {"expediente_id": evento.expediente_id},
        projection.version(evento),
        evento.model_dump(exclude={"expediente_id"}),
    )


async def registrar_expediente(db: AsyncSession, evento: ExpedienteIniciado) -> None:
    version = evento.envelope.sequence or VERSION_INICIAL
    await projection.apply_if_newer(
        db, Expediente, {"id": evento.expediente_id}, version, {"caracter": evento.caracter}
    )


async def registrar_actualizacion(db: AsyncSession, evento: ExpedienteActualizado) -> None:
    await projection.apply_if_newer(
        db,
        Expediente,
        {"id": evento.expediente_id},
        projection.version(evento),
        {"caracter": evento.caracter, "estado": evento.estado},
    )


async def registrar_anulacion(db: AsyncSession, evento: ExpedienteAnulado) -> None:
    """ANULADO is final: set whatever the version, and kept by every later copy (a row made
    here first has version 0, so the expediente's own events still fill in its data)."""
    await db.execute(
        insert(Expediente)
        .values(id=evento.expediente_id, caracter=None, anulado=True, version=0)
        .on_conflict_do_update(index_elements=["id"], set_={"anulado": True})
    )


async def custodia_visible(
    db: AsyncSession, expediente_id: uuid.UUID, por: Usuario, accion: str
) -> Custodia:
    """The custody of an expediente `por` may work on, or the refusal every archivos route
    gives: not heard of yet (409, or 404 for an id no recent alta made), out of scope (403,
    404 when RESERVADO, exactly as a missing one)."""
    custodia, expediente = await _copias(db, expediente_id)
    if custodia is None or expediente is None or expediente.caracter is None:
        raise alcance.desconocido(por, accion, expediente_id)
    alcance.exigir(por, custodia.mesas, expediente.caracter, accion, expediente_id, copia=True)
    return custodia


async def expediente_modificable(
    db: AsyncSession, expediente_id: uuid.UUID, por: Usuario, accion: str
) -> None:
    """`custodia_visible`, and the expediente is not ANULADO (409, recorded)."""
    await custodia_visible(db, expediente_id, por, accion)
    expediente = await db.get(Expediente, expediente_id, populate_existing=True)
    if expediente is not None and (expediente.anulado or expediente.estado == ANULADO):
        recurso = f"expediente/{expediente_id}"
        raise audit.denegar(
            Conflicto(YA_ANULADO), por, accion, recurso, expediente_id=expediente_id
        )


async def _copias(
    db: AsyncSession, expediente_id: uuid.UUID
) -> tuple[Custodia | None, Expediente | None]:
    custodia = await db.get(Custodia, expediente_id, populate_existing=True)
    expediente = await db.get(Expediente, expediente_id, populate_existing=True)
    return custodia, expediente
