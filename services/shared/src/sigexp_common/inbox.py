"""Idempotent inbox: an event id is recorded in the same transaction as its effect."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import AsyncSession

from sigexp_common.envelope import Envelope


async def first_time(session: AsyncSession, envelope: Envelope) -> bool:
    """True the first time this event id is seen; a redelivery answers False (skip the effect).

    A concurrent duplicate blocks on the primary key until the first transaction ends, so two
    deliveries of one event never both see True.
    """
    result = await session.execute(_FIRST_TIME, {"id": envelope.id, "type": envelope.type})
    return result.scalar_one_or_none() is not None


# Built once (building and keying an INSERT per message cost more than sending it).
_FIRST_TIME = text(
    """
    INSERT INTO inbox (event_id, type) VALUES (:id, :type)
    ON CONFLICT (event_id) DO NOTHING
    RETURNING event_id
    """
).bindparams(bindparam("id", type_=UUID(as_uuid=True)))


async def first_times(session: AsyncSession, envelopes: Sequence[Envelope]) -> set[uuid.UUID]:
    """The ids of `envelopes` seen for the first time, recorded in one statement (a batch).

    Inserted in id order, so two batches sharing ids never wait for each other in a cycle; one
    statement over arrays whatever the batch size, so it is prepared once."""
    unique = {envelope.id: envelope.type for envelope in envelopes}
    if not unique:
        return set()
    ids = sorted(unique)
    result = await session.execute(_FIRST_TIMES, {"ids": ids, "types": [unique[i] for i in ids]})
    return set(result.scalars())


_FIRST_TIMES = text(
    """
    INSERT INTO inbox (event_id, type)
    SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:types AS text[]))
    ON CONFLICT (event_id) DO NOTHING
    RETURNING event_id
    """
)
