"""Tables of what is done to an expediente: its timeline, the old and new values of every
edit, the internal annotations and the deletion requests (expedientes owns all four)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import DateTime, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from expedientes.models import Base
from sigexp_common.ids import uuid7


class Suceso(Base):
    """One entry of an expediente's timeline (`GET .../historial`): what this service did
    (alta, edits, lifecycle, annotations, deletion requests) and what it heard from pases and
    archivos. An entry that comes from another service's event carries `origen`, the fact it
    records (`pase.recibido:<pase_id>`), unique: the same fact heard twice is one entry, and
    its effect (fojas, tomos) is applied once."""

    __tablename__ = "historial"
    __table_args__ = (
        Index("ix_historial_expediente", "expediente_id", "en", "id"),
        UniqueConstraint("origen", name="uq_historial_origen"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid7)
    expediente_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    en: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accion: Mapped[str] = mapped_column(String(60))
    usuario_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    usuario: Mapped[str | None] = mapped_column(String(200))
    mesa_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    detalle: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    origen: Mapped[str | None] = mapped_column(String(200))


class Cambio(Base):
    """The old and new value of one field changed by an edit (or a lifecycle change); the
    `version` is the expediente's after that edit."""

    __tablename__ = "cambios"
    __table_args__ = (Index("ix_cambios_expediente", "expediente_id", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid7)
    expediente_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    version: Mapped[int] = mapped_column(Integer)
    campo: Mapped[str] = mapped_column(String(40))
    antes: Mapped[Any | None] = mapped_column(JSONB)
    despues: Mapped[Any | None] = mapped_column(JSONB)
    en: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    usuario_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    usuario: Mapped[str] = mapped_column(String(200))
    mesa_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))


class Anotacion(Base):
    """An internal note, visible only to users of the author's organismo. Deleting it keeps
    the row (`eliminada_en`, who deleted it): the list shows it as deleted, never silently."""

    __tablename__ = "anotaciones"
    __table_args__ = (Index("ix_anotaciones_expediente", "expediente_id", "creado_en", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid7)
    expediente_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    texto: Mapped[str] = mapped_column(Text)
    organismo_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    mesa_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    autor_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    autor: Mapped[str] = mapped_column(String(200))
    creado_en: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    eliminada_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    eliminada_por_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    eliminada_por: Mapped[str | None] = mapped_column(String(200))


class EstadoSolicitud(StrEnum):
    PENDIENTE = "PENDIENTE"
    APROBADA = "APROBADA"
    RECHAZADA = "RECHAZADA"


class SolicitudBaja(Base):
    """A desk's request to annul an expediente, and ADMIN's decision. At most one pending per
    expediente (a partial unique index)."""

    __tablename__ = "solicitudes_baja"
    __table_args__ = (
        Index(
            "uq_solicitud_baja_pendiente",
            "expediente_id",
            unique=True,
            postgresql_where=text("estado = 'PENDIENTE'"),
        ),
        Index("ix_solicitudes_baja_estado", "estado", "solicitada_en", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid7)
    expediente_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    motivo: Mapped[str] = mapped_column(Text)
    estado: Mapped[str] = mapped_column(String(20))
    solicitada_en: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    solicitada_por_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    solicitada_por: Mapped[str] = mapped_column(String(200))
    mesa_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    decidida_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decidida_por_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    decidida_por: Mapped[str | None] = mapped_column(String(200))
    motivo_decision: Mapped[str | None] = mapped_column(Text)
