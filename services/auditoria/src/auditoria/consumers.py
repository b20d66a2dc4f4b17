"""Bus entrypoints of the auditoria service: every event is logged; access records are chained."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from auditoria import service
from auditoria.events import AccesoRegistrado
from sigexp_common.consumer import Handler
from sigexp_common.envelope import Envelope


async def acceso_registrado(db: AsyncSession, envelope: Envelope) -> None:
    acceso = AccesoRegistrado.model_validate(envelope.data)
    await service.anexar_registro(db, envelope, acceso)


async def cualquier_evento(db: AsyncSession, envelope: Envelope) -> None:
    await service.guardar_evento(db, envelope)


HANDLERS: dict[str, Handler] = {
    AccesoRegistrado.event_type: acceso_registrado,
    "#": cualquier_evento,
}
