"""HTTP routes of the pases service."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from pases import service
from pases.schemas import PaseOut, RecorridoOut, TenenciaOut
from sigexp_common.db import Session
from sigexp_common.envelope import utcnow
from sigexp_common.idempotency import IdempotentRoute
from sigexp_common.security import CurrentUser

router = APIRouter(prefix="/api/v1", tags=["pases"], route_class=IdempotentRoute)


@router.get("/expedientes/{expediente_id}/pases", response_model=RecorridoOut)
async def recorrido(expediente_id: uuid.UUID, user: CurrentUser, db: Session) -> RecorridoOut:
    pases, tenencia = await service.ver_recorrido(db, expediente_id, por=user)
    return RecorridoOut(
        items=[PaseOut.model_validate(p) for p in pases],
        tenencia=TenenciaOut.de(tenencia, utcnow()),
    )
