"""Tables of the integraciones service: read copies, the public archive, subscribers and
their deliveries."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from sigexp_common.projection import VersionedCopy


class Base(DeclarativeBase):
    pass


class ExpedienteCopia(VersionedCopy, Base):
    """What a pase event does not say: the expediente's carácter (redaction), reference and
    lifecycle, kept from expedientes' events (version = the expediente's)."""

    __tablename__ = "expedientes"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    referencia: Mapped[str] = mapped_column(String(100))
    caracter: Mapped[str] = mapped_column(String(20))
    estado: Mapped[str] = mapped_column(String(30))


class MesaCopia(VersionedCopy, Base):
    """Which organismo each desk belongs to (auth's catalogue)."""

    __tablename__ = "mesas"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    organismo_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))


class ExpedienteOrganismo(Base):
    """An organismo the expediente touched (started there, or one of its desks reached it):
    a subscriber filtered by organismo hears every later event of that expediente."""

    __tablename__ = "expediente_organismos"

    expediente_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    organismo_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)


class EventoPublicado(Base):
    """A public event: the archive replays read (kept forever) and the outbox of
    `sigexp.publico` (published in `seq` order)."""

    __tablename__ = "eventos_publicos"

    seq: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), unique=True)
    type: Mapped[str] = mapped_column(String(200))
    expediente_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    organismos: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)))
    time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    envelope: Mapped[dict[str, Any]] = mapped_column(JSONB)
    publicado_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_eventos_publicos_time", "time", "seq"),
        Index(
            "ix_eventos_publicos_pendientes", "seq", postgresql_where=text("publicado_en IS NULL")
        ),
    )


class Canal(StrEnum):
    AMQP = "AMQP"
    WEBHOOK = "WEBHOOK"


class Suscriptor(Base):
    """A ministry's system: its broker user and queue, or its webhook."""

    __tablename__ = "suscriptores"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    nombre: Mapped[str] = mapped_column(String(200))
    organismo_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    solo_organismo: Mapped[bool] = mapped_column(Boolean)
    claves: Mapped[list[str]] = mapped_column(ARRAY(String(200)))
    canal: Mapped[str] = mapped_column(String(10))
    usuario_broker: Mapped[str | None] = mapped_column(String(100))
    cola: Mapped[str | None] = mapped_column(String(200))
    webhook_url: Mapped[str | None] = mapped_column(String(2000))
    webhook_secreto: Mapped[str | None] = mapped_column(String(200))
    activo: Mapped[bool] = mapped_column(Boolean, default=True)
    creado_en: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revocado_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Webhooks: after a failure nothing is sent before this (the backoff of the head delivery).
    proximo_intento_en: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class EstadoEntrega(StrEnum):
    PENDIENTE = "PENDIENTE"
    ENTREGADA = "ENTREGADA"
    APARCADA = "APARCADA"  # retried for the whole term (24 h) without success


class Entrega(Base):
    """One public event for one subscriber that integraciones delivers itself (a webhook, a
    queue filtered by organismo, a replay), in `seq` order per subscriber."""

    __tablename__ = "entregas"

    seq: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    suscriptor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("suscriptores.id"))
    evento_seq: Mapped[int] = mapped_column(ForeignKey("eventos_publicos.seq"))
    motivo: Mapped[str] = mapped_column(String(20))  # VIVO | REENVIO
    estado: Mapped[str] = mapped_column(String(20), default=EstadoEntrega.PENDIENTE)
    intentos: Mapped[int] = mapped_column(Integer, default=0)
    creada_en: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    entregada_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ultimo_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index(
            "ix_entregas_pendientes",
            "suscriptor_id",
            "seq",
            postgresql_where=text("estado = 'PENDIENTE'"),
        ),
        Index("ix_entregas_suscriptor", "suscriptor_id", "seq"),
    )


class Intento(Base):
    """The delivery log: every attempt, its answer or error."""

    __tablename__ = "intentos"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    entrega_seq: Mapped[int] = mapped_column(ForeignKey("entregas.seq"))
    suscriptor_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    en: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    ok: Mapped[bool] = mapped_column(Boolean)
    codigo_http: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_intentos_suscriptor", "suscriptor_id", "id"),)
