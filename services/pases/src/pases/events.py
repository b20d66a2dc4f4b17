"""Events the pases service publishes, and its own copies of the ones it reads."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar

from pydantic import PrivateAttr

from pases.models import Tenencia
from sigexp_common.envelope import Event


class CustodiaActualizada(Event):
    """Custody of an expediente after a change: the whole state (event-carried state transfer),
    with custody's version as the envelope's `sequence`. Published on every change."""

    event_type: ClassVar[str] = "sigexp.custodia.actualizada.v1"

    expediente_id: uuid.UUID
    mesa_id: uuid.UUID  # the holding desk, or the destination while en_transito
    permiso: str
    en_transito: bool
    mesa_origen_id: uuid.UUID | None
    mesas: list[uuid.UUID]  # every desk it started at or reached: the scope (sigexp_common.alcance)
    desde: datetime
    _version: int = PrivateAttr(default=0)

    def subject(self) -> str:
        return str(self.expediente_id)

    def sequence(self) -> int:
        return self._version

    @classmethod
    def de(cls, tenencia: Tenencia) -> CustodiaActualizada:
        evento = cls(
            expediente_id=tenencia.expediente_id,
            mesa_id=tenencia.mesa_id,
            permiso=tenencia.permiso,
            en_transito=tenencia.en_transito,
            mesa_origen_id=tenencia.mesa_origen_id,
            mesas=list(tenencia.mesas),
            desde=tenencia.desde,
        )
        evento._version = tenencia.version
        return evento


class ExpedienteIniciado(Event):
    """`sigexp.expediente.iniciado.v1` as pases needs it (unknown fields are ignored)."""

    event_type: ClassVar[str] = "sigexp.expediente.iniciado.v1"

    expediente_id: uuid.UUID
    referencia: str
    caracter: str
    tomos: int
    fojas: int
    organismo_id: uuid.UUID | None = None
    mesa_id: uuid.UUID
    permiso: str = "ESCRITURA"
    creado_en: datetime


class FeriadoActualizado(Event):
    """`sigexp.feriado.actualizado.v1` (auth's holiday calendar; sequence = version per date)."""

    event_type: ClassVar[str] = "sigexp.feriado.actualizado.v1"

    fecha: date
    nombre: str
    activo: bool


class RemitoEmitido(Event):
    """Stand-in until pasenv's envío lands (its `events.RemitoEmitido` replaces this)."""

    event_type: ClassVar[str] = "sigexp.remito.emitido.v1"

    remito_id: uuid.UUID
    numero: int
    anio: int
    mesa_origen_id: uuid.UUID
    mesa_destino_id: uuid.UUID
    pase_ids: list[uuid.UUID]
    expediente_ids: list[uuid.UUID]
    por_usuario_id: uuid.UUID
    por_usuario: str
    por_mesa_id: uuid.UUID | None
    en: datetime

    def subject(self) -> str:
        return str(self.remito_id)


# Events this service publishes (besides the audit record every service emits): the
# AsyncAPI document is generated from this list and `outbox.add` refuses any other.
PUBLICA: list[type[Event]] = [CustodiaActualizada, RemitoEmitido]
