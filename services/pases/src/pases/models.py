"""Tables of the pases service."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Tenencia(Base):
    """Who holds each expediente now (learnt from expedientes' and its own events)."""

    __tablename__ = "tenencias"

    expediente_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    referencia: Mapped[str] = mapped_column(String(60))
    caracter: Mapped[str] = mapped_column(String(20))
    mesa_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    organismo_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    permiso: Mapped[str] = mapped_column(String(20))
    estado: Mapped[str] = mapped_column(String(30))
    fojas: Mapped[int] = mapped_column(Integer)
    tomos: Mapped[int] = mapped_column(Integer)
    desde: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MesaVisitada(Base):
    """Every desk an expediente started at or reached: the scope of who may see its route."""

    __tablename__ = "mesas_visitadas"
    __table_args__ = (Index("ix_mesas_visitadas_mesa", "mesa_id"),)

    expediente_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    mesa_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    desde: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Pase(Base):
    __tablename__ = "pases"
    __table_args__ = (Index("ix_pases_expediente", "expediente_id", "enviado_en"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    expediente_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    mesa_origen_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    mesa_destino_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    dependencia_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    permiso: Mapped[str] = mapped_column(String(20))
    fojas_agregadas: Mapped[int] = mapped_column(Integer, default=0)
    tomos_agregados: Mapped[int] = mapped_column(Integer, default=0)
    observaciones: Mapped[str | None] = mapped_column(Text)
    estado: Mapped[str] = mapped_column(String(20))
    enviado_en: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    recibido_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    discrepancia: Mapped[str | None] = mapped_column(Text)
