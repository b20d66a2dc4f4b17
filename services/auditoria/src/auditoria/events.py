"""Events the auditoria service reads: its own copy of the access record payload."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from pydantic import Field

from sigexp_common.envelope import Event


class AccesoRegistrado(Event):
    event_type: ClassVar[str] = "sigexp.acceso.registrado.v1"

    en: datetime
    usuario_id: uuid.UUID | None = None
    usuario: str | None = None
    perfil: str | None = None
    ip: str | None = None
    accion: str
    recurso: str | None = None
    expediente_id: uuid.UUID | None = None
    resultado: str = "ok"
    detalle: dict[str, Any] = Field(default_factory=dict)


# Events this service publishes (besides the audit record every service emits): the
# AsyncAPI document is generated from this list and `outbox.add` refuses any other.
PUBLICA: list[type[Event]] = []
