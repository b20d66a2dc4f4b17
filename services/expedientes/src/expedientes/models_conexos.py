"""Tables of expedientes conexos: corrections of the fojas/tomos count (requested by the holding
desk, decided by ADMIN), links between expedientes ("ver también"), and this service's copy of
pases' accumulations (tramitación conjunta: custody is pases')."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from expedientes.models import Base
from sigexp_common.ids import uuid7
from sigexp_common.projection import VersionedCopy


class Correccion(Base):
    """A desk's request to correct the fojas and/or tomos count of an expediente it holds (the
    counted value, a reason, optionally the archivo of a scanned memo), and ADMIN's decision.
    At most one pending per expediente (a partial unique index). `*_anterior` is the count the
    request would replace: the count when it was filed, and the one it replaced when approved."""

    __tablename__ = "correcciones"
    __table_args__ = (
        Index(
            "uq_correccion_pendiente",
            "expediente_id",
            unique=True,
            postgresql_where=text("estado = 'PENDIENTE'"),
        ),
        Index("ix_correcciones_estado", "estado", "solicitada_en", "id"),
        Index("ix_correcciones_expediente", "expediente_id", "solicitada_en"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid7)
    expediente_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    fojas_anterior: Mapped[int] = mapped_column(Integer)
    fojas: Mapped[int | None] = mapped_column(Integer)  # None: the request leaves fojas alone
    tomos_anterior: Mapped[int] = mapped_column(Integer)
    tomos: Mapped[int | None] = mapped_column(Integer)
    motivo: Mapped[str] = mapped_column(Text)
    archivo_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    estado: Mapped[str] = mapped_column(String(20))
    solicitada_en: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    solicitada_por_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    solicitada_por: Mapped[str] = mapped_column(String(200))
    mesa_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    decidida_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decidida_por_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    decidida_por: Mapped[str | None] = mapped_column(String(200))
    motivo_decision: Mapped[str | None] = mapped_column(Text)


class Vinculo(Base):
    """A link between two expedientes, made by a desk holding `expediente_id`; it shows on both.
    Unlinking keeps the row (`eliminado_en`, who and why). One active link per pair, whichever
    end made it (a unique index over the ordered pair)."""

    __tablename__ = "vinculos"
    __table_args__ = (
        Index(
            "uq_vinculo_activo",
            func.least(text("expediente_id"), text("vinculado_id")),
            func.greatest(text("expediente_id"), text("vinculado_id")),
            unique=True,
            postgresql_where=text("eliminado_en IS NULL"),
        ),
        Index("ix_vinculos_expediente", "expediente_id"),
        Index("ix_vinculos_vinculado", "vinculado_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid7)
    expediente_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    vinculado_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    motivo: Mapped[str] = mapped_column(Text)
    creado_en: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    por_usuario_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    por_usuario: Mapped[str] = mapped_column(String(200))
    por_mesa_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    eliminado_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    eliminado_por_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    eliminado_por: Mapped[str | None] = mapped_column(String(200))
    eliminado_motivo: Mapped[str | None] = mapped_column(Text)


class AcumulacionCopia(VersionedCopy, Base):
    """This service's copy of one accumulation pases made (`sigexp.expediente.acumulado.v1`,
    ended by `.desglosado.v1`; the version is the accumulated file's custody version, so a
    desglose heard before its acumulación still wins)."""

    __tablename__ = "acumulaciones"
    __table_args__ = (
        Index("ix_acumulaciones_principal", "principal_id", postgresql_where=text("activa")),
        Index("ix_acumulaciones_acumulado", "acumulado_id", postgresql_where=text("activa")),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    principal_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    acumulado_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    motivo: Mapped[str] = mapped_column(Text)
    en: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    por_usuario: Mapped[str | None] = mapped_column(String(200))
    activa: Mapped[bool] = mapped_column(Boolean)
