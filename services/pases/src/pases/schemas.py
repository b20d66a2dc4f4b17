"""Response models of the pases service (field names as in API.md)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict


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


class TenenciaOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    expediente_id: uuid.UUID
    mesa_id: uuid.UUID
    permiso: str
    estado: str
    fojas: int
    tomos: int
    desde: datetime
    tiempo_en_mesa_segundos: int


class RecorridoOut(BaseModel):
    items: list[PaseOut]
    tenencia: TenenciaOut
