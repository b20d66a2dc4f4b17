"""Events the archivos service reads: its own copies of other services' payloads."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from sigexp_common.envelope import Event


class CustodiaActualizada(Event):
    """`sigexp.custodia.actualizada.v1` as archivos needs it (pases' custody; its version
    travels as the envelope's `sequence`)."""

    event_type: ClassVar[str] = "sigexp.custodia.actualizada.v1"

    expediente_id: uuid.UUID
    mesa_id: uuid.UUID
    permiso: str
    en_transito: bool
    mesa_origen_id: uuid.UUID | None = None
    mesas: list[uuid.UUID]
    desde: datetime


class ExpedienteIniciado(Event):
    """`sigexp.expediente.iniciado.v1` as archivos needs it."""

    event_type: ClassVar[str] = "sigexp.expediente.iniciado.v1"

    expediente_id: uuid.UUID
    caracter: str


# Events this service publishes (besides the audit record every service emits): the
# AsyncAPI document is generated from this list and `outbox.add` refuses any other.
PUBLICA: list[type[Event]] = []
