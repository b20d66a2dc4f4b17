"""Events of the actions on an expediente that this service publishes (edits, lifecycle,
annotations), and the actor fields every domain event of its carries. Declared in `PUBLICA`
(events.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel

from expedientes.models import Expediente
from sigexp_common.envelope import Event, utcnow
from sigexp_common.security import Usuario


def datos_de(exp: Expediente) -> dict[str, Any]:
    """The expediente's own data as every event about it carries it (the lifecycle as
    `estado`)."""
    return {
        "expediente_id": exp.id,
        "codigo": exp.codigo,
        "numero": exp.numero,
        "letras": exp.letras or None,
        "anio": exp.anio,
        "referencia": exp.referencia,
        "extracto": exp.extracto,
        "numero_instrumento": exp.numero_instrumento,
        "numero_gde": exp.numero_gde,
        "tipo": exp.tipo,
        "caracter": exp.caracter,
        "estado": exp.ciclo,
        "tomos": exp.tomos,
        "fojas": exp.fojas,
    }


class Actor(Event):
    """Who did it and when (contracts: every domain event carries them)."""

    por_usuario_id: uuid.UUID
    por_usuario: str
    por_mesa_id: uuid.UUID | None
    en: datetime

    @staticmethod
    def de(por: Usuario) -> dict[str, object]:
        return {
            "por_usuario_id": por.id,
            "por_usuario": por.usuario,
            "por_mesa_id": por.mesa_id,
            "en": utcnow(),
        }


class Cambio(BaseModel):
    campo: str
    antes: str | int | None
    despues: str | int | None


class ExpedienteActualizado(Actor):
    """An expediente's data or lifecycle changed: its whole current data, what changed, and its
    version as the envelope's `sequence` (copies apply only a newer one)."""

    event_type: ClassVar[str] = "sigexp.expediente.actualizado.v1"

    expediente_id: uuid.UUID
    codigo: str
    numero: int
    letras: str | None
    anio: int
    referencia: str
    extracto: str
    numero_instrumento: str | None
    numero_gde: str | None
    tipo: str
    caracter: str
    estado: str  # the lifecycle: EN_TRAMITE, EN_REVISION, ARCHIVADO or ANULADO
    tomos: int
    fojas: int
    cambios: list[Cambio]
    version: int

    def subject(self) -> str:
        return str(self.expediente_id)

    def sequence(self) -> int:
        return self.version

    @classmethod
    def from_expediente(
        cls, exp: Expediente, cambios: list[Cambio], por: Usuario
    ) -> ExpedienteActualizado:
        return cls(
            **Actor.de(por),
            **datos_de(exp),
            cambios=cambios,
            version=exp.version,
        )


class ExpedienteAnulado(Actor):
    """ADMIN approved a deletion request: the expediente is ANULADO (never removed)."""

    event_type: ClassVar[str] = "sigexp.expediente.anulado.v1"

    expediente_id: uuid.UUID
    referencia: str
    solicitud_id: uuid.UUID
    motivo: str
    version: int

    def subject(self) -> str:
        return str(self.expediente_id)

    def sequence(self) -> int:
        return self.version


class AnotacionAgregada(Actor):
    """An internal annotation was added (internal only: never for public payloads)."""

    event_type: ClassVar[str] = "sigexp.anotacion.agregada.v1"

    anotacion_id: uuid.UUID
    expediente_id: uuid.UUID
    organismo_id: uuid.UUID | None
    mesa_id: uuid.UUID
    texto: str

    def subject(self) -> str:
        return str(self.expediente_id)


class AnotacionEliminada(Actor):
    """An internal annotation was deleted (kept, marked deleted; internal only)."""

    event_type: ClassVar[str] = "sigexp.anotacion.eliminada.v1"

    anotacion_id: uuid.UUID
    expediente_id: uuid.UUID
    organismo_id: uuid.UUID | None
    mesa_id: uuid.UUID

    def subject(self) -> str:
        return str(self.expediente_id)
