"""Bus entrypoints of the pases service: parse the event, call the use case."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pases import service
from pases.events import ExpedienteIniciado
from sigexp_common.consumer import Handler
from sigexp_common.envelope import Envelope


async def expediente_iniciado(db: AsyncSession, envelope: Envelope) -> None:
    await service.registrar_expediente_iniciado(
        db, ExpedienteIniciado.model_validate(envelope.data)
    )


HANDLERS: dict[str, Handler] = {ExpedienteIniciado.event_type: expediente_iniciado}
