"""Request and response models of the pases service (field names as in API.md)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pases.models import Remito, Tenencia
from sigexp_common.entrada import Entero

MAX_EXPEDIENTES_POR_ENVIO = 200
Motivo = Annotated[str, Field(min_length=3, max_length=2000)]


class Permiso(StrEnum):
    ESCRITURA = "ESCRITURA"
    LECTURA = "LECTURA"


class EstadoSolicitud(StrEnum):
    PENDIENTE = "PENDIENTE"
    APROBADA = "APROBADA"
    RECHAZADA = "RECHAZADA"


class EnvioIn(BaseModel):
    """One envío: one or many expedientes to one destination desk, with one remito."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    expediente_ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_EXPEDIENTES_POR_ENVIO)
    mesa_destino_id: uuid.UUID
    organismo_destino_id: uuid.UUID | None = None
    dependencia_id: uuid.UUID | None = None
    permiso: Permiso
    fojas_agregadas: Entero = Field(0, ge=0, le=100_000)
    tomos_agregados: Entero = Field(0, ge=0, le=1000)
    observaciones: str | None = Field(None, max_length=2000)
    plazo_dias_habiles: Entero | None = Field(None, ge=1, le=365)

    @field_validator("expediente_ids")
    @classmethod
    def _sin_repetidos(cls, ids: list[uuid.UUID]) -> list[uuid.UUID]:
        repetidos = sorted({str(i) for i in ids if ids.count(i) > 1})
        if repetidos:
            raise ValueError(f"Hay expedientes repetidos en la lista: {', '.join(repetidos)}.")
        return ids


class RecepcionIn(BaseModel):
    """Fojas and tomos counted on arrival (optional): a difference is a `discrepancia`."""

    model_config = ConfigDict(extra="forbid")

    fojas: Entero | None = Field(None, ge=0, le=1_000_000)
    tomos: Entero | None = Field(None, ge=0, le=1000)


class ItemRecepcionIn(RecepcionIn):
    """A pase by its id, or by a scanned code: a remito's (its code or verification URL: every
    pending pase of it for the desk) or a carátula's (`SIGEXP:EXP:{id}`)."""

    pase_id: uuid.UUID | None = None
    codigo: str | None = Field(None, min_length=1, max_length=500)

    @field_validator("codigo")
    @classmethod
    def _legible(cls, codigo: str | None) -> str | None:
        if codigo is not None and not codigo.isprintable():
            raise ValueError("No es un código escaneado: tiene caracteres de control.")
        return codigo

    @model_validator(mode="after")
    def _uno_de_los_dos(self) -> ItemRecepcionIn:
        if (self.pase_id is None) == (self.codigo is None):
            raise ValueError("Indique pase_id o codigo (uno de los dos).")
        return self


class RecepcionesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[ItemRecepcionIn] = Field(min_length=1, max_length=MAX_EXPEDIENTES_POR_ENVIO)


class RechazoIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    motivo: Motivo


class SolicitudReversionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    motivo: Motivo


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    motivo: str | None = Field(None, max_length=2000)


class PaseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    expediente_id: uuid.UUID
    mesa_origen_id: uuid.UUID
    mesa_destino_id: uuid.UUID
    permiso: str
    fojas_agregadas: int
    tomos_agregados: int
    observaciones: str | None
    estado: str
    enviado_en: datetime
    recibido_en: datetime | None
    discrepancia: str | None
    remito_id: uuid.UUID | None = None
    organismo_destino_id: uuid.UUID | None = None
    dependencia_id: uuid.UUID | None = None
    plazo_dias_habiles: int | None = None
    vence_en: datetime | None = None
    fojas_contadas: int | None = None
    tomos_contados: int | None = None
    rechazado_en: datetime | None = None
    motivo_rechazo: str | None = None
    revertido_en: datetime | None = None
    motivo_reversion: str | None = None
    # An accumulated expediente's pase: the principal's pase it travels with (acumulación).
    pase_principal_id: uuid.UUID | None = None


class RemitoOut(BaseModel):
    id: uuid.UUID
    numero: int
    anio: int
    pdf: str
    codigo_verificacion: str

    @classmethod
    def de(cls, remito: Remito) -> RemitoOut:
        return cls(
            id=remito.id,
            numero=remito.numero,
            anio=remito.anio,
            pdf=f"/api/v1/remitos/{remito.id}.pdf",
            codigo_verificacion=remito.codigo_verificacion,
        )


class EnvioOut(BaseModel):
    pases: list[PaseOut]
    remito: RemitoOut


class ResultadoRecepcionOut(BaseModel):
    """One item of a bulk reception: what it received (`pases`), or why not (`status` and
    `detail`, as the single reception would have answered)."""

    pase_id: uuid.UUID | None
    codigo: str | None
    status: int
    detail: str | None = None
    pases: list[PaseOut] = []


class RecepcionesOut(BaseModel):
    items: list[ResultadoRecepcionOut]


class SolicitudReversionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    pase_id: uuid.UUID
    expediente_id: uuid.UUID
    mesa_id: uuid.UUID
    motivo: str
    estado: EstadoSolicitud
    solicitada_en: datetime
    solicitada_por: str
    decidida_en: datetime | None
    decidida_por: str | None
    motivo_decision: str | None


class SolicitudesReversionOut(BaseModel):
    items: list[SolicitudReversionOut]


class TenenciaOut(BaseModel):
    """Custody now: `mesa_id` holds it (or it is on its way there while `en_transito`)."""

    expediente_id: uuid.UUID
    mesa_id: uuid.UUID
    permiso: str
    en_transito: bool
    mesa_origen_id: uuid.UUID | None
    mesas: list[uuid.UUID]
    fojas: int
    tomos: int
    desde: datetime
    version: int
    tiempo_en_mesa_segundos: int
    acumulado_en_id: uuid.UUID | None = None  # the principal it travels with

    @classmethod
    def de(cls, tenencia: Tenencia, ahora: datetime) -> TenenciaOut:
        return cls(
            expediente_id=tenencia.expediente_id,
            mesa_id=tenencia.mesa_id,
            permiso=tenencia.permiso,
            en_transito=tenencia.en_transito,
            mesa_origen_id=tenencia.mesa_origen_id,
            mesas=tenencia.mesas,
            fojas=tenencia.fojas,
            tomos=tenencia.tomos,
            desde=tenencia.desde,
            version=tenencia.version,
            tiempo_en_mesa_segundos=tenencia.tiempo_en_mesa(ahora),
            acumulado_en_id=tenencia.acumulado_en_id,
        )


class RecorridoOut(BaseModel):
    items: list[PaseOut]
    tenencia: TenenciaOut
