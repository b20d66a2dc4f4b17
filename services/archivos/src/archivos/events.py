"""Events of the archivos service: those it publishes, and its own copies of the payloads of
other services it reads."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from pydantic import Field

from sigexp_common.envelope import Event, utcnow
from sigexp_common.security import Usuario


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
    """`sigexp.expediente.iniciado.v1` as archivos needs it (version 1 of the expediente)."""

    event_type: ClassVar[str] = "sigexp.expediente.iniciado.v1"

    expediente_id: uuid.UUID
    caracter: str


class ExpedienteActualizado(Event):
    """`sigexp.expediente.actualizado.v1`: the whole current data, at `sequence` = version."""

    event_type: ClassVar[str] = "sigexp.expediente.actualizado.v1"

    expediente_id: uuid.UUID
    caracter: str
    estado: str  # lifecycle: EN_TRAMITE | EN_REVISION | ARCHIVADO | ANULADO


class ExpedienteAnulado(Event):
    """`sigexp.expediente.anulado.v1`: final, whatever arrives before or after it."""

    event_type: ClassVar[str] = "sigexp.expediente.anulado.v1"

    expediente_id: uuid.UUID


class _PorUsuario(Event):
    """Who did it (the actor fields every domain event carries)."""

    por_usuario_id: uuid.UUID
    por_usuario: str
    por_mesa_id: uuid.UUID | None
    en: datetime = Field(default_factory=utcnow)


def actor(por: Usuario) -> dict[str, object]:
    """The actor fields of an event done by `por`."""
    return {"por_usuario_id": por.id, "por_usuario": por.usuario, "por_mesa_id": por.mesa_id}


class ArchivoAdjuntado(_PorUsuario):
    """A new archivo of an expediente, with its first version stored."""

    event_type: ClassVar[str] = "sigexp.archivo.adjuntado.v1"

    archivo_id: uuid.UUID
    expediente_id: uuid.UUID
    version: int
    nombre: str
    tipo_mime: str
    tamanio: int
    sha256: str
    objeto: str  # the object key of this version

    def subject(self) -> str:
        return str(self.archivo_id)

    def sequence(self) -> int:
        return self.version


class ArchivoReemplazado(ArchivoAdjuntado):
    """A new version of an archivo (the earlier ones stay readable)."""

    event_type: ClassVar[str] = "sigexp.archivo.reemplazado.v1"


class ArchivoEliminado(_PorUsuario):
    """An archivo hidden from its expediente's list; its versions and bytes are kept."""

    event_type: ClassVar[str] = "sigexp.archivo.eliminado.v1"

    archivo_id: uuid.UUID
    expediente_id: uuid.UUID
    nombre: str

    def subject(self) -> str:
        return str(self.archivo_id)


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

    def subject(self) -> str:
        return str(self.archivo_id)

    def sequence(self) -> int:
        return self.version


# Events this service publishes (besides the audit record every service emits): the
# AsyncAPI document is generated from this list and `outbox.add` refuses any other.
PUBLICA: list[type[Event]] = [
    ArchivoAdjuntado,
    ArchivoReemplazado,
    ArchivoEliminado,
    ArchivoProcesado,
]
