"""Request and response models of the expedientes service (field names as in API.md)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sigexp_common.entrada import Entero

if TYPE_CHECKING:
    from expedientes.models import ExpedienteLeido


class Caracter(StrEnum):
    PUBLICO = "PUBLICO"
    RESERVADO = "RESERVADO"


class Estado(StrEnum):
    EN_TRAMITE = "EN_TRAMITE"
    RECEPCION_PENDIENTE = "RECEPCION_PENDIENTE"
    EN_REVISION = "EN_REVISION"
    ARCHIVADO = "ARCHIVADO"
    ANULADO = "ANULADO"


class ExpedienteIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    numero: Entero | None = Field(None, ge=1, le=99_999_999)
    letras: str | None = Field(None, max_length=10, pattern=r"^[A-Za-zÑñ]*$")
    anio: Entero | None = Field(None, ge=1900, le=2100)
    extracto: str = Field(min_length=3, max_length=2000)
    numero_instrumento: str | None = Field(None, max_length=100)
    tomos: Entero = Field(1, ge=1, le=1000)
    fojas: Entero = Field(0, ge=0, le=1_000_000)
    tipo: str = Field("GENERAL", min_length=1, max_length=50, pattern=r"^[A-Z0-9_]+$")
    caracter: Caracter = Caracter.PUBLICO

    @field_validator("letras")
    @classmethod
    def _mayusculas(cls, value: str | None) -> str | None:
        return value.upper() if value else None


class OrganismoRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    codigo: str
    nombre: str


class MesaRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    nombre: str
    organismo: OrganismoRef | None = None


class ExpedienteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    codigo: str
    numero: int
    letras: str | None
    anio: int
    referencia: str
    extracto: str
    numero_instrumento: str | None
    tomos: int
    fojas: int
    tipo: str
    caracter: Caracter
    estado: Estado
    organismo_id: uuid.UUID | None
    mesa_inicio_id: uuid.UUID
    # Custody, from this service's copy of pases' (seeded by the alta itself):
    mesa_actual_id: uuid.UUID
    mesa_actual: MesaRef | None = None  # None until the desk's catalogue event has arrived
    permiso_actual: str
    creado_en: datetime
    iniciado_por: uuid.UUID
    iniciado_por_usuario: str

    @field_validator("letras", mode="before")
    @classmethod
    def _sin_letras(cls, value: str | None) -> str | None:
        return value or None


class ExpedientesOut(BaseModel):
    items: list[ExpedienteOut]
    next_cursor: str | None = None


class ResumenOut(BaseModel):
    """What the consulta global shows of an expediente: enough to know where it is."""

    id: uuid.UUID
    referencia: str
    extracto: str
    estado: Estado
    mesa_actual_id: uuid.UUID
    mesa_actual: MesaRef | None = None
    organismo: OrganismoRef | None = None  # the current desk's
    creado_en: datetime

    @classmethod
    def de(cls, expediente: ExpedienteLeido) -> ResumenOut:
        mesa = expediente.mesa_actual
        return cls(
            id=expediente.id,
            referencia=expediente.referencia,
            extracto=expediente.extracto,
            estado=Estado(expediente.estado),
            mesa_actual_id=expediente.mesa_actual_id,
            mesa_actual=MesaRef.model_validate(mesa) if mesa else None,
            organismo=OrganismoRef.model_validate(mesa["organismo"])
            if mesa and mesa["organismo"]
            else None,
            creado_en=expediente.creado_en,
        )


class ResumenesOut(BaseModel):
    items: list[ResumenOut]
    next_cursor: str | None = None
