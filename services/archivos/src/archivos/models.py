"""Tables of the archivos service."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Index, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from sigexp_common.projection import VersionedCopy


class Base(DeclarativeBase):
    pass


class Archivo(Base):
    """A digitised document of an expediente; each version is one object in the bucket."""

    __tablename__ = "archivos"
    __table_args__ = (Index("ix_archivos_expediente", "expediente_id", "creado_en"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    expediente_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    nombre: Mapped[str] = mapped_column(String(300))
    descripcion: Mapped[str | None] = mapped_column(Text)
    tipo_mime: Mapped[str] = mapped_column(String(120))
    tamanio: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    objeto: Mapped[str] = mapped_column(String(300))
    estado_procesamiento: Mapped[str] = mapped_column(String(20), default="PENDIENTE")
    subido_por: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    creado_en: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    eliminado_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Custodia(VersionedCopy, Base):
    """This service's copy of custody, which pases owns (`sigexp.custodia.actualizada.v1`):
    `mesas` (every desk the expediente reached) is the scope of `sigexp_common.alcance`."""

    __tablename__ = "custodias"
    __table_args__ = (Index("ix_custodias_mesas", "mesas", postgresql_using="gin"),)

    expediente_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    mesa_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    permiso: Mapped[str] = mapped_column(String(20))
    en_transito: Mapped[bool] = mapped_column(Boolean)
    mesa_origen_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    mesas: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)))
    desde: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Expediente(VersionedCopy, Base):
    """This service's copy of what it needs of expedientes' data: `caracter`, for the RESERVADO
    rule (from `sigexp.expediente.iniciado.v1`)."""

    __tablename__ = "expedientes"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    caracter: Mapped[str] = mapped_column(String(20))
