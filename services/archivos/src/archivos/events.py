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


class ArchivoProcesado(Event):
    """`sigexp.archivo.procesado.v1`: the digitisation of one version ended (LISTO or ERROR);
    `texto` is its text (text layer or OCR), at most 100,000 characters cut at a word
    boundary (`texto_truncado` then true). Published by the workers (`archivos.digitalizacion`)."""

    event_type: ClassVar[str] = "sigexp.archivo.procesado.v1"

    archivo_id: uuid.UUID
    expediente_id: uuid.UUID
    version: int
    estado: str  # LISTO | ERROR
    paginas: int | None
    texto: str
    texto_truncado: bool
    error: str | None
    en: datetime

    def subject(self) -> str | None:
        return str(self.archivo_id)

    def sequence(self) -> int | None:
        return self.version


# Events this service publishes (besides the audit record every service emits): the
# AsyncAPI document is generated from this list and `outbox.add` refuses any other.
PUBLICA: list[type[Event]] = [ArchivoProcesado]
