"""Events the auditoria service reads: its own copy of the access record payload.

The fields use the bounded types of `sigexp_common.audit`, so a record from an emitter that did
not bound it (an older release, another publisher) is cut to the same limits and still stored.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import ClassVar, Self

from pydantic import Field, ValidationError

from auditoria.metricas import REGISTROS_FALLIDOS
from sigexp_common.audit import (
    Accion100,
    Detalle,
    Ip,
    Perfil30,
    Recurso300,
    RequestId100,
    Resultado30,
    Texto200,
)
from sigexp_common.envelope import Envelope, Event

log = logging.getLogger("sigexp.auditoria")


class AccesoRegistrado(Event):
    event_type: ClassVar[str] = "sigexp.acceso.registrado.v1"

    en: datetime
    usuario_id: uuid.UUID | None = None
    usuario: Texto200 = None
    perfil: Perfil30 = None
    mesa_id: uuid.UUID | None = None
    organismo_id: uuid.UUID | None = None
    ip: Ip = None
    accion: Accion100
    recurso: Recurso300 = None
    expediente_id: uuid.UUID | None = None
    resultado: Resultado30 = "ok"
    detalle: Detalle = Field(default_factory=dict)
    request_id: RequestId100 = None

    @classmethod
    def from_envelope(cls, envelope: Envelope) -> Self:
        # The consumer dead-letters a record that does not parse; here it is also counted
        # and logged as a lost audit record, which a generic invalid event is not.
        try:
            return super().from_envelope(envelope)
        except ValidationError as exc:
            REGISTROS_FALLIDOS.labels("invalido").inc()
            log.error(
                "audit record does not fit sigexp.acceso.registrado.v1, dead-lettered: %s",
                exc.errors(include_url=False, include_input=False),
                extra={"event_id": str(envelope.id), "source": envelope.source},
            )
            raise


# Events this service publishes (besides the audit record every service emits): the
# AsyncAPI document is generated from this list and `outbox.add` refuses any other.
PUBLICA: list[type[Event]] = []
