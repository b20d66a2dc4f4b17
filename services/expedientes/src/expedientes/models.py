"""Tables of the expedientes service."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, foreign, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Expediente(Base):
    __tablename__ = "expedientes"
    __table_args__ = (
        UniqueConstraint("codigo", "numero", "letras", "anio", name="uq_expediente_identidad"),
        Index("ix_expedientes_creado_en", "creado_en", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    codigo: Mapped[str] = mapped_column(String(20))
    numero: Mapped[int] = mapped_column(Integer)
    letras: Mapped[str] = mapped_column(String(10), default="")  # "" when the series has none
    anio: Mapped[int] = mapped_column(Integer)
    extracto: Mapped[str] = mapped_column(Text)
    numero_instrumento: Mapped[str | None] = mapped_column(String(100))
    tomos: Mapped[int] = mapped_column(Integer)
    fojas: Mapped[int] = mapped_column(Integer)
    tipo: Mapped[str] = mapped_column(String(50))
    caracter: Mapped[str] = mapped_column(String(20))
    estado: Mapped[str] = mapped_column(String(30))
    organismo_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    mesa_inicio_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    mesa_actual_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    permiso_actual: Mapped[str] = mapped_column(String(20))
    iniciado_por: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    iniciado_por_usuario: Mapped[str] = mapped_column(String(200))
    creado_en: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actualizado_en: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    mesa_actual: Mapped[Mesa | None] = relationship(
        primaryjoin=lambda: foreign(Expediente.mesa_actual_id) == Mesa.id,
        lazy="joined",
        viewonly=True,
    )

    @property
    def referencia(self) -> str:
        parts = [str(self.numero), self.letras, str(self.anio)]
        return "-".join(part for part in parts if part)


class MesaDelExpediente(Base):
    """Desks whose scope includes the expediente: the starting desk and every desk it reached."""

    __tablename__ = "expediente_mesas"
    __table_args__ = (Index("ix_expediente_mesas_mesa", "mesa_id"),)

    expediente_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("expedientes.id"), primary_key=True)
    mesa_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)


class Serie(Base):
    """Last number given in each (codigo, letras, anio) series; its row lock orders altas."""

    __tablename__ = "series"

    codigo: Mapped[str] = mapped_column(String(20), primary_key=True)
    letras: Mapped[str] = mapped_column(String(10), primary_key=True)
    anio: Mapped[int] = mapped_column(Integer, primary_key=True)
    ultimo: Mapped[int] = mapped_column(Integer)


class Mesa(Base):
    """This service's copy of auth's catalogue of desks (from `sigexp.mesa.actualizada.v1` and
    `sigexp.organismo.actualizado.v1`), to name desks in its answers."""

    __tablename__ = "mesas"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    codigo: Mapped[str] = mapped_column(String(40))
    nombre: Mapped[str] = mapped_column(String(300))
    organismo_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    organismo_codigo: Mapped[str] = mapped_column(String(20))
    organismo_nombre: Mapped[str] = mapped_column(String(300))
    es_oficina: Mapped[bool] = mapped_column(Boolean)
    activo: Mapped[bool] = mapped_column(Boolean)

    @property
    def organismo(self) -> dict[str, object]:
        return {
            "id": self.organismo_id,
            "codigo": self.organismo_codigo,
            "nombre": self.organismo_nombre,
        }
