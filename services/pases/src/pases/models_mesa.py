"""Tables of the desk's side of pases: the copy of auth's holiday calendar (plazos), the
desks' arrival-notice subscriptions and the outgoing mail queue they feed."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from pases.models import Base
from sigexp_common.projection import VersionedCopy


class Feriado(VersionedCopy, Base):
    """Copy of auth's holiday calendar (`sigexp.feriado.actualizado.v1`, version per date):
    plazos skip the active ones."""

    __tablename__ = "feriados"

    fecha: Mapped[date] = mapped_column(Date, primary_key=True)
    nombre: Mapped[str] = mapped_column(String(200))
    activo: Mapped[bool] = mapped_column(Boolean)


class AvisoMesa(Base):
    """A desk's choice to be told by e-mail of every remito that reaches it."""

    __tablename__ = "avisos_mesa"

    mesa_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    correo: Mapped[str] = mapped_column(String(254))
    activo: Mapped[bool] = mapped_column(Boolean)
    actualizado_en: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actualizado_por: Mapped[str] = mapped_column(String(200))


class CorreoPendiente(Base):
    """Mail queue (as auth's): written in the consumer's transaction, sent by SMTP after it,
    retried while SMTP is down. One row per remito and desk (`remito_id` unique)."""

    __tablename__ = "correos"
    __table_args__ = (
        Index(
            "ix_correos_pendientes",
            "proximo_intento_en",
            postgresql_where=text("enviado_en IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    remito_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), unique=True)
    para: Mapped[str] = mapped_column(String(254))
    asunto: Mapped[str] = mapped_column(String(300))
    cuerpo: Mapped[str] = mapped_column(Text)
    creado_en: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    enviado_en: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    intentos: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    proximo_intento_en: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    ultimo_error: Mapped[str | None] = mapped_column(Text)
