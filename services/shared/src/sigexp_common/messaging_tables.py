"""The outbox and inbox tables every service keeps in its own database.

Their schema is created and changed by the shared Alembic branch (`shared_migrations/`), never
from these models: a change here needs its revision there (`alembic check` says so).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, Integer, Select, String, Text, and_, func, select, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NOTIFY_CHANNEL = "sigexp_outbox"


class MessagingBase(DeclarativeBase):
    """The shared tables' metadata (also `idempotency.IdempotencyKey`), apart from the
    services' own models."""


class OutboxMessage(MessagingBase):
    __tablename__ = "outbox"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    type: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(String(200))
    envelope: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    next_attempt_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    last_error: Mapped[str | None] = mapped_column(Text)
    # Set when the row failed `outbox_max_attempts` times: no longer tried until revived.
    dead_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        # The relay's claim walks it in its own order (shared migration sigexp_0005).
        Index(
            "ix_outbox_por_publicar",
            "created_at",
            "id",
            postgresql_where=text("published_at IS NULL AND dead_at IS NULL"),
        ),
        Index(
            "ix_outbox_muertas",
            "dead_at",
            postgresql_where=text("published_at IS NULL AND dead_at IS NOT NULL"),
        ),
    )


def outbox_backlog() -> Select[int, int, datetime | None]:
    """How many rows wait to be published, how many are dead, and when the oldest waiting one
    was written: each its own subquery, so each reads the partial index of its rows only."""
    waiting = and_(OutboxMessage.published_at.is_(None), OutboxMessage.dead_at.is_(None))
    dead = and_(OutboxMessage.published_at.is_(None), OutboxMessage.dead_at.is_not(None))
    return select(
        select(func.count()).where(waiting).scalar_subquery(),
        select(func.count()).where(dead).scalar_subquery(),
        select(func.min(OutboxMessage.created_at)).where(waiting).scalar_subquery(),
    )


class InboxEntry(MessagingBase):
    __tablename__ = "inbox"

    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    type: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
