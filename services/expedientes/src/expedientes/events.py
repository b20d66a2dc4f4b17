"""Events the expedientes service publishes, and its own copies of the ones it reads."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from pydantic import Field

from expedientes.models import Expediente
from sigexp_common.envelope import Event


class ExpedienteIniciado(Event):
    event_type: ClassVar[str] = "sigexp.expediente.iniciado.v1"

    expediente_id: uuid.UUID
    codigo: str
    numero: int
    letras: str | None
    anio: int
    referencia: str
    extracto: str
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

    def subject(self) -> str:
        return str(self.expediente_id)

    @classmethod
    def from_expediente(cls, exp: Expediente) -> ExpedienteIniciado:
        return cls(
            expediente_id=exp.id,
            codigo=exp.codigo,
            numero=exp.numero,
            letras=exp.letras or None,
            anio=exp.anio,
            referencia=exp.referencia,
            extracto=exp.extracto,
            tipo=exp.tipo,
            caracter=exp.caracter,
            estado=exp.ciclo,
            tomos=exp.tomos,
            fojas=exp.fojas,
            organismo_id=exp.organismo_id,
            mesa_id=exp.mesa_inicio_id,
            permiso=exp.custodia.permiso,
            iniciado_por=exp.iniciado_por,
            creado_en=exp.creado_en,
        )


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


# Events this service publishes (besides the audit record every service emits): the
# AsyncAPI document is generated from this list and `outbox.add` refuses any other.
PUBLICA: list[type[Event]] = [
    ExpedienteIniciado,
]
