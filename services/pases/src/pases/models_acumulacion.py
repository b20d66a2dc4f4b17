"""Accumulations (tramitación conjunta): an expediente accumulated into a principal travels
with it until a desglose. Custody stays here, in each file's own `Tenencia` (its
`acumulado_en_id`); this table keeps the record of each accumulation and its desglose."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, Index, String, Text, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from pases.models import Base


class Acumulacion(Base):
    """`acumulado_id` accumulated into `principal_id` by a desk holding both; at most one
    active per accumulated file (a partial unique index), ended by its desglose."""

    __tablename__ = "acumulaciones"
    __table_args__ = (
        Index(
            "uq_acumulacion_activa",
            "acumulado_id",
            unique=True,
            postgresql_where=text("desglosado_en IS NULL"),
        ),
        Index("ix_acumulaciones_principal", "principal_id", "en"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    principal_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    acumulado_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    motivo: Mapped[str] = mapped_column(Text)
    en: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    por_usuario_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    por_usuario: Mapped[str] = mapped_column(String(200))
    mesa_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    desglosado_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    desglosado_por_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    desglosado_por: Mapped[str | None] = mapped_column(String(200))
    motivo_desglose: Mapped[str | None] = mapped_column(Text)
