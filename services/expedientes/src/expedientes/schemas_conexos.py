"""Request and response models of expedientes conexos: corrections, links, accumulations."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sigexp_common.entrada import Entero


class CorreccionIn(BaseModel):
    """The counted values (at least one), the reason, and optionally the archivo of a memo."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    fojas: Entero | None = Field(None, ge=0, le=1_000_000)
    tomos: Entero | None = Field(None, ge=1, le=1000)
    motivo: str = Field(min_length=3, max_length=2000)
    archivo_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _algo_que_corregir(self) -> CorreccionIn:
        if self.fojas is None and self.tomos is None:
            raise ValueError("Indique las fojas o los tomos contados.")
        return self


class EstadoCorreccion(StrEnum):
    PENDIENTE = "PENDIENTE"
    APROBADA = "APROBADA"
    RECHAZADA = "RECHAZADA"


class CorreccionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    expediente_id: uuid.UUID
    referencia: str
    fojas_anterior: int
    fojas: int | None
    tomos_anterior: int
    tomos: int | None
    motivo: str
    archivo_id: uuid.UUID | None
    estado: EstadoCorreccion
    solicitada_en: datetime
    solicitada_por: str
    mesa_id: uuid.UUID
    decidida_en: datetime | None
    decidida_por: str | None
    motivo_decision: str | None


class CorreccionesOut(BaseModel):
    items: list[CorreccionOut]
    next_cursor: str | None = None


class VinculoIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    expediente_id: uuid.UUID
    motivo: str = Field(min_length=3, max_length=2000)


class ExpedienteBreve(BaseModel):
    """The other expediente of a link or an accumulation, as the viewer may see it."""

    id: uuid.UUID
    referencia: str
    extracto: str
    estado: str
    caracter: str


class MesaBreve(BaseModel):
    id: uuid.UUID
    nombre: str | None = None


class VinculoOut(BaseModel):
    id: uuid.UUID
    expediente: ExpedienteBreve
    motivo: str
    creado_en: datetime
    por_usuario: str
    por_mesa: MesaBreve | None


class VinculosOut(BaseModel):
    items: list[VinculoOut]


class AcumuladoOut(BaseModel):
    """An accumulation as the expediente's detail shows it (pases owns it; this is the copy)."""

    id: uuid.UUID
    principal_id: uuid.UUID
    acumulado_id: uuid.UUID
    expediente: ExpedienteBreve
    motivo: str
    en: datetime
    por_usuario: str | None


class AcumuladoEn(BaseModel):
    id: uuid.UUID
    referencia: str
