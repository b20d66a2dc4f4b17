"""Response models of the auditoria service (field names as in API.md)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel


class RegistroOut(BaseModel):
    id: uuid.UUID
    seq: int  # its place in the chain
    en: datetime
    usuario: dict[str, Any]
    mesa_id: uuid.UUID | None = None
    organismo_id: uuid.UUID | None = None
    accion: str
    recurso: str | None
    expediente_id: uuid.UUID | None
    ip: str | None
    resultado: str
    servicio: str
    request_id: str | None = None  # the request that left it (X-Request-ID)
    detalle: dict[str, Any]


class RegistrosOut(BaseModel):
    items: list[RegistroOut]
    next_cursor: str | None


class VerificacionOut(BaseModel):
    ok: bool
    registros: int
    primer_error: str | None = None
    en_descarte: int | None = None  # messages in auditoria.dlq; None when it could not be read
    primer_registro_alterado: int | None = None  # the seq `primer_error` names
    anclas_verificadas: int = 0  # anchors (`?ancla=`) found in the chain as they were


class AnclaOut(BaseModel):
    seq: int
    hash: str
    en: datetime
    ancla: str  # `seq:hash`, as `verificacion?ancla=` takes it
