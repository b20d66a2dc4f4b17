"""The public events: what ministries receive on `sigexp.publico` and by webhook.

Versioned on their own: these models are the contract with the ministries, apart from the
internal events they are made from (`integraciones.redaccion` maps one to the other), so an
internal change never breaks a subscriber; a public change that is not backwards compatible is
a new model with the next `.vN`. Routing keys are the internal ones (`sigexp.pase.enviado.v1`).

Content is optional in every model: for an expediente that is not PUBLICO only the fields of
`SIEMPRE` are filled (ids, referencia, estado, desks); the rest go as null. Anotaciones, audit
records, users and the catalogue are never published.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from sigexp_common.envelope import Event

EXCHANGE = "sigexp.publico"

# What a public event may carry whatever the expediente's carácter.
SIEMPRE = frozenset(
    {
        "expediente_id",
        "pase_id",
        "referencia",
        "estado",
        "reservado",
        "en",
        "mesa_id",
        "mesa_origen_id",
        "mesa_destino_id",
        "organismo_id",
        "organismo_destino_id",
    }
)


class EventoPublico(Event):
    """Common fields: the expediente, its reference and state, whether it is reserved (then
    every other field is null) and when it happened."""

    expediente_id: uuid.UUID
    referencia: str | None
    estado: str | None
    reservado: bool
    en: datetime

    def subject(self) -> str:
        return str(self.expediente_id)


class PublicoExpedienteIniciado(EventoPublico):
    """An expediente was started (public version 1)."""

    event_type: ClassVar[str] = "sigexp.expediente.iniciado.v1"

    mesa_id: uuid.UUID
    organismo_id: uuid.UUID | None
    tipo: str | None = None
    extracto: str | None = None
    tomos: int | None = None
    fojas: int | None = None


class PublicoExpedienteActualizado(EventoPublico):
    """An expediente's data or state changed, e.g. ARCHIVADO (public version 1)."""

    event_type: ClassVar[str] = "sigexp.expediente.actualizado.v1"

    tipo: str | None = None
    extracto: str | None = None
    tomos: int | None = None
    fojas: int | None = None


class PublicoExpedienteAnulado(EventoPublico):
    """An expediente was annulled (public version 1)."""

    event_type: ClassVar[str] = "sigexp.expediente.anulado.v1"

    motivo: str | None = None


class PublicoPase(EventoPublico):
    pase_id: uuid.UUID
    mesa_origen_id: uuid.UUID
    mesa_destino_id: uuid.UUID


class PublicoPaseEnviado(PublicoPase):
    """An expediente was sent from one desk to another (public version 1)."""

    event_type: ClassVar[str] = "sigexp.pase.enviado.v1"

    organismo_destino_id: uuid.UUID | None
    fojas_agregadas: int | None = None
    tomos_agregados: int | None = None
    observaciones: str | None = None
    plazo_dias_habiles: int | None = None
    vence_en: datetime | None = None


class PublicoPaseRecibido(PublicoPase):
    """An expediente arrived at its destination desk (public version 1)."""

    event_type: ClassVar[str] = "sigexp.pase.recibido.v1"

    discrepancia: str | None = None


class PublicoPaseRechazado(PublicoPase):
    """The destination desk refused a pase (public version 1)."""

    event_type: ClassVar[str] = "sigexp.pase.rechazado.v1"

    motivo: str | None = None


class PublicoPaseRevertido(PublicoPase):
    """A pase was reverted on ADMIN's approval (public version 1)."""

    event_type: ClassVar[str] = "sigexp.pase.revertido.v1"

    motivo: str | None = None


# Every public event, in the order of the AsyncAPI document.
PUBLICOS: list[type[EventoPublico]] = [
    PublicoExpedienteIniciado,
    PublicoExpedienteActualizado,
    PublicoExpedienteAnulado,
    PublicoPaseEnviado,
    PublicoPaseRecibido,
    PublicoPaseRechazado,
    PublicoPaseRevertido,
]
CLAVES = sorted(p.event_type for p in PUBLICOS)
