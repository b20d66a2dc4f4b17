"""The internal events integraciones reads (its own copies: only the fields it needs).

It publishes nothing on `sigexp.events` but its audit records: the public versions of these
events go to `sigexp.publico` (`integraciones.publico`), from an outbox of their own.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from sigexp_common.envelope import Event


class ExpedienteIniciado(Event):
    event_type: ClassVar[str] = "sigexp.expediente.iniciado.v1"

    expediente_id: uuid.UUID
    referencia: str
    extracto: str
    tipo: str
    caracter: str
    estado: str
    tomos: int
    fojas: int
    organismo_id: uuid.UUID | None
    mesa_id: uuid.UUID
    creado_en: datetime


class ExpedienteActualizado(Event):
    event_type: ClassVar[str] = "sigexp.expediente.actualizado.v1"

    expediente_id: uuid.UUID
    referencia: str
    extracto: str
    tipo: str
    caracter: str
    estado: str
    tomos: int
    fojas: int
    en: datetime


class ExpedienteAnulado(Event):
    event_type: ClassVar[str] = "sigexp.expediente.anulado.v1"

    expediente_id: uuid.UUID
    referencia: str
    motivo: str
    en: datetime


class EventoDePase(Event):
    pase_id: uuid.UUID
    expediente_id: uuid.UUID
    mesa_origen_id: uuid.UUID
    mesa_destino_id: uuid.UUID
    en: datetime
    caracter: str | None = None
    """The carácter pases knew at the change (None in events sent before pases said it)."""


class PaseEnviado(EventoDePase):
    event_type: ClassVar[str] = "sigexp.pase.enviado.v1"

    referencia: str
    organismo_destino_id: uuid.UUID | None
    fojas_agregadas: int
    tomos_agregados: int
    observaciones: str | None
    plazo_dias_habiles: int | None
    vence_en: datetime | None


class PaseRecibido(EventoDePase):
    event_type: ClassVar[str] = "sigexp.pase.recibido.v1"

    discrepancia: str | None


class PaseRechazado(EventoDePase):
    event_type: ClassVar[str] = "sigexp.pase.rechazado.v1"

    motivo: str


class PaseRevertido(EventoDePase):
    event_type: ClassVar[str] = "sigexp.pase.revertido.v1"

    motivo: str


class MesaActualizada(Event):
    """auth's catalogue: which organismo a desk belongs to (the organismo filter)."""

    event_type: ClassVar[str] = "sigexp.mesa.actualizada.v1"

    id: uuid.UUID
    organismo_id: uuid.UUID


# It declares no event of its own on `sigexp.events` (its audit records go there anyway).
PUBLICA: list[type[Event]] = []
