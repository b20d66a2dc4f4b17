"""Use cases of the archivos service: one function each; the caller owns the transaction."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from archivos.events import CustodiaActualizada, ExpedienteIniciado
from archivos.models import Custodia, Expediente
from sigexp_common import alcance, projection
from sigexp_common.security import Usuario

VERSION_INICIAL = 1  # the expediente as started; later changes of it will carry newer ones


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
    await projection.apply_if_newer(
        db, Expediente, {"id": evento.expediente_id}, VERSION_INICIAL, {"caracter": evento.caracter}
    )


async def custodia_visible(
    db: AsyncSession, expediente_id: uuid.UUID, por: Usuario, accion: str
) -> Custodia:
    """The custody of an expediente `por` may work on, or the refusal every archivos route
    gives: not heard of yet (409, or 404 for an id no recent alta made), out of scope (403,
    404 when RESERVADO, exactly as a missing one)."""
    custodia = await db.get(Custodia, expediente_id)
    expediente = await db.get(Expediente, expediente_id)
    if custodia is None or expediente is None:
        raise alcance.desconocido(por, accion, expediente_id)
    alcance.exigir(por, custodia.mesas, expediente.caracter, accion, expediente_id, copia=True)
    return custodia
