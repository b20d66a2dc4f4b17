"""Events the pases service publishes, and its own copies of the ones it reads."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, ClassVar, Self

from pydantic import BaseModel, Field, PrivateAttr

from pases.models import Pase, Remito, Tenencia
from sigexp_common.envelope import Event, utcnow
from sigexp_common.security import Usuario


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


class Actor(Event):
    """Who did it, from which desk, and when: the actor fields of every domain event."""

    por_usuario_id: uuid.UUID
    por_usuario: str
    por_mesa_id: uuid.UUID | None
    en: datetime


def actor(por: Usuario, en: datetime | None) -> dict[str, Any]:
    """The actor fields of an event `por` caused at `en`."""
    return {
        "por_usuario_id": por.id,
        "por_usuario": por.usuario,
        "por_mesa_id": por.mesa_id,
        "en": en or utcnow(),
    }


class EventoDePase(Actor):
    """An event of a pase, ordered per expediente: its `sequence` is custody's version after
    the change (the same as the `sigexp.custodia.actualizada.v1` of the same transaction)."""

    pase_id: uuid.UUID
    expediente_id: uuid.UUID
    mesa_origen_id: uuid.UUID
    mesa_destino_id: uuid.UUID
    caracter: str
    """The expediente's carácter as this service knew it at the change: a consumer that has
    not read a reclassification to RESERVADO yet still hides the pase (integraciones)."""
    # An accumulated expediente's pase names the principal's pase it travels with.
    pase_principal_id: uuid.UUID | None = None
    _version: int = PrivateAttr(default=0)

    def subject(self) -> str:
        return str(self.expediente_id)

    def sequence(self) -> int:
        return self._version

    def con_version(self, tenencia: Tenencia) -> Self:
        self._version = tenencia.version
        return self


class PaseEnviado(EventoDePase):
    event_type: ClassVar[str] = "sigexp.pase.enviado.v1"

    referencia: str
    remito_id: uuid.UUID | None
    organismo_destino_id: uuid.UUID | None
    dependencia_id: uuid.UUID | None
    permiso: str
    fojas_agregadas: int
    tomos_agregados: int
    observaciones: str | None
    plazo_dias_habiles: int | None
    vence_en: datetime | None

    @classmethod
    def de(cls, pase: Pase, tenencia: Tenencia, por: Usuario) -> PaseEnviado:
        return cls(
            pase_id=pase.id,
            expediente_id=pase.expediente_id,
            referencia=tenencia.referencia,
            remito_id=pase.remito_id,
            mesa_origen_id=pase.mesa_origen_id,
            mesa_destino_id=pase.mesa_destino_id,
            caracter=tenencia.caracter,
            pase_principal_id=pase.pase_principal_id,
            organismo_destino_id=pase.organismo_destino_id,
            dependencia_id=pase.dependencia_id,
            permiso=pase.permiso,
            fojas_agregadas=pase.fojas_agregadas,
            tomos_agregados=pase.tomos_agregados,
            observaciones=pase.observaciones,
            plazo_dias_habiles=pase.plazo_dias_habiles,
            vence_en=pase.vence_en,
            **actor(por, pase.enviado_en),
        ).con_version(tenencia)


class PaseRecibido(EventoDePase):
    event_type: ClassVar[str] = "sigexp.pase.recibido.v1"

    permiso: str
    fojas_agregadas: int
    tomos_agregados: int
    fojas_contadas: int | None
    tomos_contadas: int | None
    discrepancia: str | None

    @classmethod
    def de(cls, pase: Pase, tenencia: Tenencia, por: Usuario) -> PaseRecibido:
        return cls(
            pase_id=pase.id,
            expediente_id=pase.expediente_id,
            mesa_origen_id=pase.mesa_origen_id,
            mesa_destino_id=pase.mesa_destino_id,
            caracter=tenencia.caracter,
            pase_principal_id=pase.pase_principal_id,
            permiso=pase.permiso,
            fojas_agregadas=pase.fojas_agregadas,
            tomos_agregados=pase.tomos_agregados,
            fojas_contadas=pase.fojas_contadas,
            tomos_contadas=pase.tomos_contados,
            discrepancia=pase.discrepancia,
            **actor(por, pase.recibido_en),
        ).con_version(tenencia)


class PaseRechazado(EventoDePase):
    event_type: ClassVar[str] = "sigexp.pase.rechazado.v1"

    motivo: str

    @classmethod
    def de(cls, pase: Pase, tenencia: Tenencia, por: Usuario) -> PaseRechazado:
        return cls(
            pase_id=pase.id,
            expediente_id=pase.expediente_id,
            mesa_origen_id=pase.mesa_origen_id,
            mesa_destino_id=pase.mesa_destino_id,
            caracter=tenencia.caracter,
            pase_principal_id=pase.pase_principal_id,
            motivo=pase.motivo_rechazo or "",
            **actor(por, pase.rechazado_en),
        ).con_version(tenencia)


class PaseRevertido(EventoDePase):
    event_type: ClassVar[str] = "sigexp.pase.revertido.v1"

    motivo: str
    solicitud_id: uuid.UUID
    habia_sido_recibido: bool
    fojas_agregadas: int
    tomos_agregados: int

    @classmethod
    def de(
        cls,
        pase: Pase,
        tenencia: Tenencia,
        por: Usuario,
        *,
        solicitud_id: uuid.UUID,
        habia_sido_recibido: bool,
    ) -> PaseRevertido:
        return cls(
            pase_id=pase.id,
            expediente_id=pase.expediente_id,
            mesa_origen_id=pase.mesa_origen_id,
            mesa_destino_id=pase.mesa_destino_id,
            caracter=tenencia.caracter,
            pase_principal_id=pase.pase_principal_id,
            motivo=pase.motivo_reversion or "",
            solicitud_id=solicitud_id,
            habia_sido_recibido=habia_sido_recibido,
            fojas_agregadas=pase.fojas_agregadas,
            tomos_agregados=pase.tomos_agregados,
            **actor(por, pase.revertido_en),
        ).con_version(tenencia)


class RemitoEmitido(Actor):
    """A remito issued by an envío (not versioned: a remito never changes)."""

    event_type: ClassVar[str] = "sigexp.remito.emitido.v1"

    remito_id: uuid.UUID
    numero: int
    anio: int
    mesa_origen_id: uuid.UUID
    mesa_destino_id: uuid.UUID
    pase_ids: list[uuid.UUID]
    expediente_ids: list[uuid.UUID]

    def subject(self) -> str:
        return str(self.remito_id)

    @classmethod
    def de(cls, remito: Remito, pases: list[Pase], por: Usuario) -> RemitoEmitido:
        return cls(
            remito_id=remito.id,
            numero=remito.numero,
            anio=remito.anio,
            mesa_origen_id=remito.mesa_origen_id,
            mesa_destino_id=remito.mesa_destino_id,
            pase_ids=[p.id for p in pases],
            expediente_ids=[p.expediente_id for p in pases],
            **actor(por, remito.emitido_en),
        )


class EventoDeAcumulacion(Actor):
    """An accumulation began or ended: subject = the accumulated expediente, `sequence` = its
    custody version after the change (the same as its `sigexp.custodia.actualizada.v1`)."""

    acumulacion_id: uuid.UUID
    expediente_id: uuid.UUID  # the accumulated one
    referencia: str
    principal_id: uuid.UUID
    principal_referencia: str
    motivo: str
    _version: int = PrivateAttr(default=0)

    def subject(self) -> str:
        return str(self.expediente_id)

    def sequence(self) -> int:
        return self._version

    @classmethod
    def de(
        cls,
        acumulacion_id: uuid.UUID,
        acumulado: Tenencia,
        principal: Tenencia,
        motivo: str,
        por: Usuario,
        en: datetime,
    ) -> Self:
        evento = cls(
            acumulacion_id=acumulacion_id,
            expediente_id=acumulado.expediente_id,
            referencia=acumulado.referencia,
            principal_id=principal.expediente_id,
            principal_referencia=principal.referencia,
            motivo=motivo,
            **actor(por, en),
        )
        evento._version = acumulado.version
        return evento


class ExpedienteAcumulado(EventoDeAcumulacion):
    """`expediente_id` travels with `principal_id` from now on (tramitación conjunta)."""

    event_type: ClassVar[str] = "sigexp.expediente.acumulado.v1"


class ExpedienteDesglosado(EventoDeAcumulacion):
    """The accumulation ended: `expediente_id` moves on its own again (`motivo`: the desglose's)."""

    event_type: ClassVar[str] = "sigexp.expediente.desglosado.v1"


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
    extracto: str | None = None
    tipo: str | None = None
    estado: str = "EN_TRAMITE"


class Cambio(BaseModel):
    campo: str


class ExpedienteActualizado(Event):
    """`sigexp.expediente.actualizado.v1` as pases needs it: the whole current data, the
    expediente's version as the envelope's `sequence`."""

    event_type: ClassVar[str] = "sigexp.expediente.actualizado.v1"

    expediente_id: uuid.UUID
    referencia: str
    extracto: str
    tipo: str
    caracter: str
    estado: str
    tomos: int
    fojas: int
    cambios: list[Cambio] = Field(default_factory=list)


class ExpedienteAnulado(Event):
    """`sigexp.expediente.anulado.v1` as pases needs it (version as `sequence`)."""

    event_type: ClassVar[str] = "sigexp.expediente.anulado.v1"

    expediente_id: uuid.UUID


class OrganismoActualizado(Event):
    """`sigexp.organismo.actualizado.v1` (auth's catalogue; version as `sequence`)."""

    event_type: ClassVar[str] = "sigexp.organismo.actualizado.v1"

    id: uuid.UUID
    codigo: str
    nombre: str


class MesaActualizada(Event):
    """`sigexp.mesa.actualizada.v1`: the desk's version is the envelope's `sequence`, its
    organismo's is `organismo_version`."""

    event_type: ClassVar[str] = "sigexp.mesa.actualizada.v1"

    id: uuid.UUID
    codigo: str
    nombre: str
    organismo_id: uuid.UUID
    organismo_codigo: str
    organismo_nombre: str
    organismo_version: int
    es_oficina: bool
    activo: bool


class DependenciaActualizada(Event):
    """`sigexp.dependencia.actualizada.v1` (version as `sequence`)."""

    event_type: ClassVar[str] = "sigexp.dependencia.actualizada.v1"

    id: uuid.UUID
    codigo: str
    nombre: str
    organismo_id: uuid.UUID
    activo: bool


class FeriadoActualizado(Event):
    """`sigexp.feriado.actualizado.v1` (auth's holiday calendar; sequence = version per date)."""

    event_type: ClassVar[str] = "sigexp.feriado.actualizado.v1"

    fecha: date
    nombre: str
    activo: bool


# Events this service publishes (besides the audit record every service emits): the
# AsyncAPI document is generated from this list and `outbox.add` refuses any other.
PUBLICA: list[type[Event]] = [
    CustodiaActualizada,
    PaseEnviado,
    PaseRecibido,
    PaseRechazado,
    PaseRevertido,
    RemitoEmitido,
    ExpedienteAcumulado,
    ExpedienteDesglosado,
]
