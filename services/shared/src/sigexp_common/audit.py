"""Audit helper: every action and read leaves a `sigexp.acceso.registrado.v1` record.

The record travels through the caller's outbox, so an action and its audit record commit
together. For reads, call it in the same request transaction (committed right after the read).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from sigexp_common import context, outbox
from sigexp_common.envelope import Envelope, Event, utcnow
from sigexp_common.security import Usuario


class AccesoRegistrado(Event):
    """Platform-wide audit record (the one event schema every service shares by design)."""

    event_type: ClassVar[str] = "sigexp.acceso.registrado.v1"

    en: datetime = Field(default_factory=utcnow)
    usuario_id: uuid.UUID | None = None
    usuario: str | None = None
    perfil: str | None = None
    mesa_id: uuid.UUID | None = None
    organismo_id: uuid.UUID | None = None
    ip: str | None = None
    accion: str
    recurso: str | None = None
    expediente_id: uuid.UUID | None = None
    resultado: str = "ok"
    detalle: dict[str, Any] = Field(default_factory=dict)
    request_id: str | None = None

    def subject(self) -> str | None:
        return str(self.expediente_id) if self.expediente_id else self.recurso


def registrar(
    session: AsyncSession,
    por: Usuario | None,
    accion: str,
    recurso: str | None = None,
    *,
    expediente_id: uuid.UUID | None = None,
    resultado: str = "ok",
    detalle: dict[str, Any] | None = None,
    usuario: str | None = None,
) -> Envelope:
    """Record who did `accion` on `recurso`, from where, with what outcome."""
    record = AccesoRegistrado(
        usuario_id=por.id if por else None,
        usuario=por.usuario if por else usuario,
        perfil=por.perfil if por else None,
        mesa_id=por.mesa_id if por else None,
        organismo_id=por.organismo_id if por else None,
        ip=context.client_address.get(),
        accion=accion,
        recurso=recurso,
        expediente_id=expediente_id,
        resultado=resultado,
        detalle=detalle or {},
        request_id=context.request_id.get(),
    )
    return outbox.add(session, record)
