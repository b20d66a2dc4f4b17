"""Transactional outbox: an event is stored in the caller's transaction, published after commit."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from sigexp_common import context
from sigexp_common.envelope import Envelope, Event
from sigexp_common.messaging_tables import OutboxMessage


def add(session: AsyncSession, event: Event) -> Envelope:
    """Queue `event` for publication; it leaves only if the caller's transaction commits."""
    envelope = Envelope(
        source=f"/sigexp/{session.info.get('source', 'desconocido')}",
        type=event.event_type,
        subject=event.subject(),
        requestid=context.request_id.get(),
        sequence=event.sequence(),
        data=event.model_dump(mode="json"),
    )
    session.add(
        OutboxMessage(
            id=envelope.id,
            type=envelope.type,
            subject=envelope.subject,
            envelope=envelope.model_dump(mode="json"),
            attempts=0,
        )
    )
    return envelope
