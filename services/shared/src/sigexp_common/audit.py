"""Audit helper: every action, read and refusal leaves a `sigexp.acceso.registrado.v1` record.

The record travels through the caller's outbox, so an action and its audit record commit
together. For reads, call it in the same request transaction (committed right after the read).
A refusal is raised through `denegar`: the request session commits its record, then answers.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from sigexp_common import context, outbox
from sigexp_common.envelope import Envelope, Event, utcnow
from sigexp_common.errors import ErrorDominio
from sigexp_common.security import Usuario

DENEGADO = "DENEGADO"
E = TypeVar("E", bound=ErrorDominio)


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


def _registro(
    por: Usuario | None,
    accion: str,
    recurso: str | None,
    expediente_id: uuid.UUID | None,
    resultado: str,
    detalle: dict[str, Any] | None,
    usuario: str | None,
) -> AccesoRegistrado:
    return AccesoRegistrado(
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
    record = _registro(por, accion, recurso, expediente_id, resultado, detalle, usuario)
    return outbox.add(session, record)


def denegar(
    error: E,
    por: Usuario | None,
    accion: str,
    recurso: str | None = None,
    *,
    expediente_id: uuid.UUID | None = None,
    detalle: dict[str, Any] | None = None,
    usuario: str | None = None,
) -> E:
    """`raise audit.denegar(SinPermiso(...), por, "expediente.ver", ...)`: the one way to refuse.

    The request session (`db.Session`) commits the refusal's audit record, together with what
    the use case wrote before refusing, and only then answers the error. Raise it before
    changing anything, or after writing only what the refusal itself must keep (a failed
    login's counters). A missing resource and an out-of-scope one are refused the same way, so
    both cost the same and neither answer tells them apart.
    """
    motivo = {"motivo": error.slug, "estado": error.status}
    error.registro = _registro(
        por, accion, recurso, expediente_id, DENEGADO, {**motivo, **(detalle or {})}, usuario
    )
    return error
