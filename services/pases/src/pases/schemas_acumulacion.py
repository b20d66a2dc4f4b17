"""Request and response models of accumulations (tramitación conjunta)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from pases.schemas import Motivo


class AcumulacionIn(BaseModel):
    """`expediente_id` is accumulated into the path's expediente (the principal)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    expediente_id: uuid.UUID
    motivo: Motivo


class DesgloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    motivo: Motivo


class ExpedienteBreve(BaseModel):
    id: uuid.UUID
    referencia: str
    extracto: str | None
    caracter: str


class AcumulacionOut(BaseModel):
    id: uuid.UUID
    principal_id: uuid.UUID
    acumulado_id: uuid.UUID
    motivo: str
    en: datetime
    por_usuario: str
    desglosado_en: datetime | None = None
    desglosado_por: str | None = None
    motivo_desglose: str | None = None
    expediente: ExpedienteBreve | None = None  # the other file (in a listing)


class AcumuladosOut(BaseModel):
    """The file this one is accumulated into (or null) and those accumulated into it."""

    principal: AcumulacionOut | None
    items: list[AcumulacionOut]
