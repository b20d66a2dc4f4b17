"""Events the expedientes service publishes, and its own copies of the ones it reads."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from pydantic import Field

from expedientes.events_acciones import (
    Actor,
    AnotacionAgregada,
    AnotacionEliminada,
    ExpedienteActualizado,
    ExpedienteAnulado,
    datos_de,
)
from expedientes.events_conexos import ExpedienteDesvinculado, ExpedienteVinculado
from expedientes.models import Expediente
from sigexp_common.envelope import Event
from sigexp_common.security import Usuario


class ExpedienteIniciado(Actor):
    """An expediente was started (its version is 1: the envelope's `sequence`)."""

    event_type: ClassVar[str] = "sigexp.expediente.iniciado.v1"

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
    estado: str
    tomos: int
    fojas: int
    organismo_id: uuid.UUID | None
    mesa_id: uuid.UUID
    permiso: str
    iniciado_por: uuid.UUID
    creado_en: datetime
    version: int = 1

    def subject(self) -> str:
        return str(self.expediente_id)

    def sequence(self) -> int:
        return self.version

    @classmethod
    def from_expediente(cls, exp: Expediente, por: Usuario) -> ExpedienteIniciado:
        return cls(
            **Actor.de(por),
            **datos_de(exp),
            organismo_id=exp.organismo_id,
            mesa_id=exp.mesa_inicio_id,
            permiso=exp.custodia.permiso,
            iniciado_por=exp.iniciado_por,
            creado_en=exp.creado_en,
            version=exp.version,
        )


class Noticia(Event):
    """Base of the copies of other services' events this one keeps in the timeline: the actor
    fields of contracts.md, tolerated when missing (`en` falls back to the envelope's time)."""

    expediente_id: uuid.UUID
    por_usuario_id: uuid.UUID | None = None
    por_usuario: str | None = None
    por_mesa_id: uuid.UUID | None = None
    en: datetime | None = None

    @property
    def cuando(self) -> datetime:
        return self.en or self.envelope.time


class PaseEnviado(Noticia):
    """`sigexp.pase.enviado.v1` as expedientes needs it (the timeline)."""

    event_type: ClassVar[str] = "sigexp.pase.enviado.v1"

    pase_id: uuid.UUID
    mesa_origen_id: uuid.UUID | None = None
    mesa_destino_id: uuid.UUID | None = None
    permiso: str | None = None
    fojas_agregadas: int = 0
    tomos_agregados: int = 0
    observaciones: str | None = None


class PaseRecibido(Noticia):
    """`sigexp.pase.recibido.v1`: the timeline, and the fojas and tomos the pase added."""

    event_type: ClassVar[str] = "sigexp.pase.recibido.v1"

    pase_id: uuid.UUID
    mesa_origen_id: uuid.UUID | None = None
    mesa_destino_id: uuid.UUID | None = None
    permiso: str | None = None
    fojas_agregadas: int = Field(0, ge=0)
    tomos_agregados: int = Field(0, ge=0)
    discrepancia: Any = None  # pases' record of counted values that differ, kept as sent


class PaseRechazado(Noticia):
    event_type: ClassVar[str] = "sigexp.pase.rechazado.v1"

    pase_id: uuid.UUID
    mesa_origen_id: uuid.UUID | None = None
    mesa_destino_id: uuid.UUID | None = None
    motivo: str | None = None


class PaseRevertido(Noticia):
    """`sigexp.pase.revertido.v1`: a received pase reverted takes its fojas and tomos back."""

    event_type: ClassVar[str] = "sigexp.pase.revertido.v1"

    pase_id: uuid.UUID
    mesa_origen_id: uuid.UUID | None = None
    mesa_destino_id: uuid.UUID | None = None
    motivo: str | None = None
    habia_sido_recibido: bool = False
    fojas_agregadas: int = Field(0, ge=0)
    tomos_agregados: int = Field(0, ge=0)


class ArchivoAdjuntado(Noticia):
    event_type: ClassVar[str] = "sigexp.archivo.adjuntado.v1"

    archivo_id: uuid.UUID
    version: int = 1
    nombre: str | None = None
    tipo_mime: str | None = None
    tamanio: int | None = None


class ArchivoReemplazado(ArchivoAdjuntado):
    event_type: ClassVar[str] = "sigexp.archivo.reemplazado.v1"


class ArchivoEliminado(Noticia):
    event_type: ClassVar[str] = "sigexp.archivo.eliminado.v1"

    archivo_id: uuid.UUID
    nombre: str | None = None


class CustodiaActualizada(Event):
    """`sigexp.custodia.actualizada.v1` as expedientes needs it (pases' custody; its version
    travels as the envelope's `sequence`)."""

    event_type: ClassVar[str] = "sigexp.custodia.actualizada.v1"

    expediente_id: uuid.UUID
    mesa_id: uuid.UUID
    permiso: str
    en_transito: bool
    mesa_origen_id: uuid.UUID | None = None
    mesas: list[uuid.UUID]
    desde: datetime


class MesaActualizada(Event):
    """`sigexp.mesa.actualizada.v1` as expedientes needs it (auth's catalogue; the mesa's
    version is the envelope's `sequence`, its organismo's is `organismo_version`)."""

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


class OrganismoActualizado(Event):
    """`sigexp.organismo.actualizado.v1` as expedientes needs it."""

    event_type: ClassVar[str] = "sigexp.organismo.actualizado.v1"

    id: uuid.UUID
    codigo: str
    nombre: str


class TipoActualizado(Event):
    """`sigexp.tipo.actualizado.v1` as expedientes needs it (auth's catalogue; the tipo's
    version is the envelope's `sequence`)."""

    event_type: ClassVar[str] = "sigexp.tipo.actualizado.v1"

    codigo: str = Field(min_length=1, max_length=50)
    nombre: str = Field(max_length=200)
    activo: bool


class ArchivoProcesado(Event):
    """`sigexp.archivo.procesado.v1` as expedientes needs it (archivos' digitisation result:
    the text of one version of an archivo; the version is also the envelope's `sequence`)."""

    event_type: ClassVar[str] = "sigexp.archivo.procesado.v1"

    archivo_id: uuid.UUID
    expediente_id: uuid.UUID
    version: int
    estado: str
    texto: str | None = None


class ExpedienteAcumulado(Noticia):
    """`sigexp.expediente.acumulado.v1` as this service reads it: pases accumulated
    `expediente_id` into `principal_id` (version as `sequence`: the accumulated file's custody)."""

    event_type: ClassVar[str] = "sigexp.expediente.acumulado.v1"

    acumulacion_id: uuid.UUID
    principal_id: uuid.UUID
    referencia: str | None = None
    principal_referencia: str | None = None
    motivo: str = ""


class ExpedienteDesglosado(ExpedienteAcumulado):
    """`sigexp.expediente.desglosado.v1`: the accumulation ended (`motivo` is the desglose's)."""

    event_type: ClassVar[str] = "sigexp.expediente.desglosado.v1"


# Events this service publishes (besides the audit record every service emits): the
# AsyncAPI document is generated from this list and `outbox.add` refuses any other.
PUBLICA: list[type[Event]] = [
    ExpedienteIniciado,
    ExpedienteActualizado,
    ExpedienteAnulado,
    AnotacionAgregada,
    AnotacionEliminada,
    ExpedienteVinculado,
    ExpedienteDesvinculado,
]
