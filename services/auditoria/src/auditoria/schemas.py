"""Response models of the auditoria service (field names as in API.md)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel


class RegistroOut(BaseModel):
    id: uuid.UUID
    en: datetime
    usuario: dict[str, Any]
    accion: str
    recurso: str | None
    expediente_id: uuid.UUID | None
    ip: str | None
    resultado: str
    servicio: str
    detalle: dict[str, Any]


class RegistrosOut(BaseModel):
    items: list[RegistroOut]
    next_cursor: str | None


class VerificacionOut(BaseModel):
    ok: bool
    registros: int
    primer_error: str | None = None
    en_descarte: int | None = None  # messages in auditoria.dlq; None when it could not be read
