"""Bus entrypoints of the expedientes service: parse the event, call the use case."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from expedientes import service
from expedientes.events import MesaActualizada, OrganismoActualizado
from sigexp_common.consumer import Handler
from sigexp_common.envelope import Envelope


async def mesa_actualizada(db: AsyncSession, envelope: Envelope) -> None:
    await service.registrar_mesa(db, MesaActualizada.model_validate(envelope.data))


async def organismo_actualizado(db: AsyncSession, envelope: Envelope) -> None:
    await service.registrar_organismo(db, OrganismoActualizado.model_validate(envelope.data))


HANDLERS: dict[str, Handler] = {
    MesaActualizada.event_type: mesa_actualizada,
    OrganismoActualizado.event_type: organismo_actualizado,
}
