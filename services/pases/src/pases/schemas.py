"""Response models of the pases service (field names as in API.md)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from pases.models import Tenencia


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
        )


class RecorridoOut(BaseModel):
    items: list[PaseOut]
    tenencia: TenenciaOut
