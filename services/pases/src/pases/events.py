"""Events the pases service reads: its own copies of other services' payloads."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from sigexp_common.envelope import Event


class ExpedienteIniciado(Event):
    """`sigexp.expediente.iniciado.v1` as pases needs it (unknown fields are ignored)."""

    event_type: ClassVar[str] = "sigexp.expediente.iniciado.v1"

    expediente_id: uuid.UUID
    referencia: str
    caracter: str
    estado: str
    tomos: int
    fojas: int
    organismo_id: uuid.UUID | None = None
    mesa_id: uuid.UUID
    permiso: str = "ESCRITURA"
    creado_en: datetime


# Events this service publishes (besides the audit record every service emits): the
# AsyncAPI document is generated from this list and `outbox.add` refuses any other.
PUBLICA: list[type[Event]] = []
