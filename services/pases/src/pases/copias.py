"""This service's copies of other services' state, each kept from their events through
`sigexp_common.projection` (only a newer version of the source row replaces a copy): the data
of each expediente (expedientes) and the catalogue of organismos, desks and dependencias (auth).
"""

from __future__ import annotations

import uuid

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from pases.models import Base
from sigexp_common.projection import VersionedCopy


class ExpedienteCopia(VersionedCopy, Base):
    """This service's copy of expedientes' data of each expediente (from `iniciado`,
    `actualizado`, `anulado`; only a newer expediente version replaces it): the lifecycle
    `estado` for the send rules, and the summary remitos and en-mesa show."""

    __tablename__ = "expedientes"

    expediente_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    referencia: Mapped[str | None] = mapped_column(String(60))
    extracto: Mapped[str | None] = mapped_column(Text)
    tipo: Mapped[str | None] = mapped_column(String(50))
    caracter: Mapped[str | None] = mapped_column(String(20))
    estado: Mapped[str] = mapped_column(String(20))
    fojas: Mapped[int | None] = mapped_column(Integer)
    tomos: Mapped[int | None] = mapped_column(Integer)


class Organismo(VersionedCopy, Base):
    """Copy of auth's organismos (each mesa event carries its organismo with its version)."""

    __tablename__ = "organismos"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    codigo: Mapped[str] = mapped_column(String(20))
    nombre: Mapped[str] = mapped_column(String(300))


class Mesa(VersionedCopy, Base):
    """Copy of auth's desks (`sigexp.mesa.actualizada.v1`): a pase goes to a known active one."""

    __tablename__ = "mesas"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    codigo: Mapped[str] = mapped_column(String(40))
    nombre: Mapped[str] = mapped_column(String(300))
    organismo_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    es_oficina: Mapped[bool] = mapped_column(Boolean)
    activo: Mapped[bool] = mapped_column(Boolean)


class Dependencia(VersionedCopy, Base):
    """Copy of auth's dependencias (`sigexp.dependencia.actualizada.v1`), a pase's finer
    destination inside the destination's organismo."""

    __tablename__ = "dependencias"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    codigo: Mapped[str] = mapped_column(String(40))
    nombre: Mapped[str] = mapped_column(String(300))
    organismo_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    activo: Mapped[bool] = mapped_column(Boolean)
