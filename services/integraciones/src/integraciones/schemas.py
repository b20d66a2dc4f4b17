"""HTTP shapes of the integraciones routes."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator

from integraciones import claves


class SuscriptorIn(BaseModel):
    nombre: str = Field(min_length=1, max_length=200)
    organismo_id: uuid.UUID
    claves: list[str] = Field(default_factory=lambda: ["#"], min_length=1, max_length=20)
    solo_organismo: bool = False  # only expedientes that touch its organismo
    webhook_url: HttpUrl | None = None  # set: a webhook subscriber (HTTPS), else AMQP
    webhook_secreto: str | None = Field(default=None, min_length=16, max_length=200)

    @field_validator("claves")
    @classmethod
    def _claves(cls, valor: list[str]) -> list[str]:
        for patron in valor:
            if not claves.valida(patron):
                raise ValueError(f"'{patron[:100]}' no selecciona ningún evento público")
        return sorted(set(valor))

    @field_validator("webhook_url")
    @classmethod
    def _https(cls, valor: HttpUrl | None) -> HttpUrl | None:
        if valor is not None and valor.scheme != "https":
            raise ValueError("el webhook debe ser una dirección https")
        return valor


class SuscriptorEdicion(BaseModel):
    """`PATCH .../suscriptores/{id}`: its name, and a webhook's address. What it receives
    (`claves`, `solo_organismo`) is not edited: register a new subscriber and revoke this one,
    so a ministry never gets a mix of two subscriptions in one queue."""

    model_config = ConfigDict(extra="forbid")

    nombre: str | None = Field(default=None, min_length=1, max_length=200)
    webhook_url: HttpUrl | None = None

    @field_validator("webhook_url")
    @classmethod
    def _https(cls, valor: HttpUrl | None) -> HttpUrl | None:
        if valor is not None and valor.scheme != "https":
            raise ValueError("el webhook debe ser una dirección https")
        return valor


class CredencialesOut(BaseModel):
    """Shown once: at registration and at each rotation."""

    usuario: str | None = None
    password: str | None = None
    cola: str | None = None
    amqp_url: str | None = None
    webhook_secreto: str | None = None


class SuscriptorOut(BaseModel):
    id: uuid.UUID
    nombre: str
    organismo_id: uuid.UUID
    solo_organismo: bool
    claves: list[str]
    canal: str
    usuario_broker: str | None
    cola: str | None
    webhook_url: str | None
    activo: bool
    creado_en: datetime
    revocado_en: datetime | None
    profundidad_cola: int | None = None
    entregas_pendientes: int | None = None
    entregas_aparcadas: int | None = None


class SuscriptorCreadoOut(SuscriptorOut):
    credenciales: CredencialesOut


class SuscriptoresOut(BaseModel):
    items: list[SuscriptorOut]


class IntentoOut(BaseModel):
    en: datetime
    ok: bool
    codigo_http: int | None
    error: str | None


class EntregaOut(BaseModel):
    seq: int
    evento_id: uuid.UUID
    tipo: str
    motivo: str
    estado: str
    intentos: int
    creada_en: datetime
    entregada_en: datetime | None
    ultimo_error: str | None
    historial: list[IntentoOut]


class EntregasOut(BaseModel):
    items: list[EntregaOut]


class ReenvioIn(BaseModel):
    """Everything since a time, or after an event (its id as received), in order."""

    desde: datetime | None = None
    desde_evento: uuid.UUID | None = None


class ReenvioOut(BaseModel):
    eventos: int


class ReintentoOut(BaseModel):
    entregas: int
