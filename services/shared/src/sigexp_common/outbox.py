"""Transactional outbox: an event is stored in the caller's transaction, published after commit."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from sigexp_common import context, tracing
from sigexp_common.envelope import Envelope, Event
from sigexp_common.messaging_tables import OutboxMessage


class UndeclaredEvent(RuntimeError):
    """A service publishes an event type missing from its `PUBLICA` (a programming error: the
    AsyncAPI document and the contract tests would not know the event)."""


def envelope(info: Mapping[str, Any], event: Event) -> Envelope:
    """The CloudEvent of `event` as the service of `info` (a session's `info`) emits it."""
    declared = info.get("publishes")
    if declared is not None and event.event_type not in declared:
        raise UndeclaredEvent(
            f"{info.get('source')} publishes {event.event_type} without declaring it "
            "in PUBLICA (events.py)"
        )
    traced = tracing.traceparent()  # CloudEvents' distributed-tracing extension, when on
    return Envelope(
        source=f"/sigexp/{info.get('source', 'desconocido')}",
        type=event.event_type,
        subject=event.subject(),
        requestid=context.request_id.get(),
        sequence=event.sequence(),
        data=event.model_dump(mode="json"),
        **({"traceparent": traced} if traced else {}),
    )


def row(envelope: Envelope) -> dict[str, Any]:
    """The outbox row of `envelope`, as column values (for a multi-row INSERT)."""
    return {
        "id": envelope.id,
        "type": envelope.type,
        "subject": envelope.subject,
        "envelope": envelope.model_dump(mode="json"),
        "attempts": 0,
    }


def add(session: AsyncSession, event: Event) -> Envelope:
    """Queue `event` for publication; it leaves only if the caller's transaction commits."""
    queued = envelope(session.info, event)
    session.add(OutboxMessage(**row(queued)))
    return queued


async def insertar(session: AsyncSession, *events: Event) -> list[Envelope]:
    """Store `events` now, in one INSERT on the caller's transaction (no unit of work to flush
    at commit): for a use case that holds a lock until its commit, one round trip."""
    queued = [envelope(session.info, event) for event in events]
    await session.execute(INSERTAR, arreglos(queued))
    return queued


INSERTAR = text(
    """
    INSERT INTO outbox (id, type, subject, envelope, attempts)
    SELECT r.id, r.type, r.subject, r.envelope::jsonb, 0
    FROM unnest(CAST(:ids AS uuid[]), CAST(:types AS text[]), CAST(:subjects AS text[]),
                CAST(:envelopes AS text[])) AS r(id, type, subject, envelope)
    ON CONFLICT (id) DO NOTHING
    """
)
"""Outbox rows of any number of envelopes (`arreglos`): one statement whatever their number
(arrays, not a VALUES list per size), so it is prepared once per connection and its plan
reused. An id already stored is left as it is (a batch written again after a lost answer)."""


def arreglos(envelopes: list[Envelope]) -> dict[str, list[Any]]:
    """`INSERTAR`'s parameters for `envelopes`."""
    return {
        "ids": [e.id for e in envelopes],
        "types": [e.type for e in envelopes],
        "subjects": [e.subject for e in envelopes],
        "envelopes": [
            json.dumps(e.model_dump(mode="json"), separators=(",", ":")) for e in envelopes
        ],
    }
