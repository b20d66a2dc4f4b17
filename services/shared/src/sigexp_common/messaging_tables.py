"""The outbox and inbox tables every service keeps in its own database."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, Integer, LargeBinary, String, Table, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NOTIFY_CHANNEL = "sigexp_outbox"


class MessagingBase(DeclarativeBase):
    """Separate metadata: services' own models never include these tables by accident."""


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
        Index(
            "ix_outbox_pending",
            "next_attempt_at",
            "created_at",
            postgresql_where=text("published_at IS NULL"),
        ),
    )


class InboxEntry(MessagingBase):
    __tablename__ = "inbox"

    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    type: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class RespuestaGuardada(MessagingBase):
    """The first answer to an `Idempotency-Key` (see `sigexp_common.idempotency`)."""

    __tablename__ = "idempotencia"

    usuario_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    clave: Mapped[str] = mapped_column(String(200), primary_key=True)
    huella: Mapped[str] = mapped_column(String(64))
    estado: Mapped[int | None] = mapped_column(Integer)
    tipo: Mapped[str | None] = mapped_column(String(200))
    cuerpo: Mapped[bytes | None] = mapped_column(LargeBinary)
    creado_en: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


_NOTIFY_DDL = (
    f"""CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger AS $$
    BEGIN PERFORM pg_notify('{NOTIFY_CHANNEL}', ''); RETURN NULL; END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()""",
)


def _table(name: str) -> Table:
    return MessagingBase.metadata.tables[name]


def create_messaging_tables(connection: Any) -> None:
    """Called from a service's first Alembic migration (`op.get_bind()`)."""
    MessagingBase.metadata.create_all(connection, tables=[_table("outbox"), _table("inbox")])
    for statement in _NOTIFY_DDL:
        connection.exec_driver_sql(statement)


def drop_messaging_tables(connection: Any) -> None:
    connection.exec_driver_sql("DROP TRIGGER IF EXISTS outbox_notify ON outbox")
    connection.exec_driver_sql("DROP FUNCTION IF EXISTS outbox_notify()")
    MessagingBase.metadata.drop_all(connection, tables=[_table("outbox"), _table("inbox")])


def create_idempotency_table(connection: Any) -> None:
    """Called from the migration that brings `Idempotency-Key` support to a service."""
    MessagingBase.metadata.create_all(connection, tables=[_table("idempotencia")])


def drop_idempotency_table(connection: Any) -> None:
    connection.exec_driver_sql("DROP TABLE IF EXISTS idempotencia")
