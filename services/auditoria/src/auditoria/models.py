"""Tables of the auditoria service: the hash-chained access record and the event log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Index, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Registro(Base):
    """One audited access or action. Append-only (a trigger refuses UPDATE, DELETE and
    TRUNCATE, and the service's runtime role may only INSERT and SELECT it); each row carries
    the hash of the previous one, so a gap or an edited row is detectable."""

    __tablename__ = "registros"
    __table_args__ = (
        # Listings go newest first by when it happened (`en`, then `seq`): records reach the
        # chain in the order consumers happen to append them, not always in the order of `en`.
        Index("ix_registros_expediente_en", "expediente_id", "en", "seq"),
        Index("ix_registros_usuario_en", "usuario_id", "en", "seq"),
        Index("ix_registros_en", "en", "seq"),
        Index("ix_registros_accion_en", "accion", "en", "seq"),
        Index("ix_registros_resultado_en", "resultado", "en", "seq"),
        Index("ix_registros_request_id", "request_id"),
    )

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), unique=True)
    en: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    servicio: Mapped[str] = mapped_column(String(60))
    usuario_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    usuario: Mapped[str | None] = mapped_column(String(200))
    perfil: Mapped[str | None] = mapped_column(String(30))
    accion: Mapped[str] = mapped_column(String(100))
    recurso: Mapped[str | None] = mapped_column(String(300))
    expediente_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    ip: Mapped[str | None] = mapped_column(String(64))
    resultado: Mapped[str] = mapped_column(String(30))
    detalle: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # Added after the first records: hashed only when present (`cadena.OPCIONALES`), so the
    # records chained before them still verify.
    mesa_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    organismo_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    request_id: Mapped[str | None] = mapped_column(String(100))
    hash_anterior: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class EventoRecibido(Base):
    """Every domain event seen on the bus, as it came (the system's history)."""

    __tablename__ = "eventos"
    __table_args__ = (Index("ix_eventos_subject", "subject", "time"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    type: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(String(200))
    time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    recibido_en: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    texto: Mapped[str | None] = mapped_column(Text)
