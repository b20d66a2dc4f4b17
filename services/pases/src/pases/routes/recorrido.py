"""HTTP route of an expediente's pases (its route and custody now)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from pases.schemas import TenenciaOut
from pases.schemas_mesa import MesaRef, PaseEnRecorrido, RecorridoOut, TenenciaConMesa, TenenciasOut
from pases.service import recorrido
from sigexp_common.db import Session
from sigexp_common.envelope import utcnow
from sigexp_common.idempotency import IdempotentRoute
from sigexp_common.security import CurrentUser

router = APIRouter(prefix="/api/v1", tags=["pases"], route_class=IdempotentRoute)


@router.get("/expedientes/{expediente_id}/pases", response_model=RecorridoOut)
async def ver_recorrido(expediente_id: uuid.UUID, user: CurrentUser, db: Session) -> RecorridoOut:
    ahora = utcnow()
    tramos, tenencia = await recorrido.ver_recorrido(db, expediente_id, por=user, ahora=ahora)
    return RecorridoOut(
        items=[PaseEnRecorrido.de(t) for t in tramos],
        tenencia=TenenciaOut.de(tenencia, ahora),
    )


@router.get("/tenencias", response_model=TenenciasOut)
async def ver_tenencias(
    user: CurrentUser,
    db: Session,
    expediente_id: Annotated[list[uuid.UUID], Query(max_length=recorrido.MAX_TENENCIAS)],
) -> TenenciasOut:
    """Custody now of several expedientes at once (the gateway's `?con=tenencia` listing)."""
    ahora = utcnow()
    filas = await recorrido.ver_tenencias(db, expediente_id, por=user)
    return TenenciasOut(
        items=[
            TenenciaConMesa(
                **TenenciaOut.de(t, ahora).model_dump(), mesa=MesaRef(id=t.mesa_id, nombre=nombre)
            )
            for t, nombre in filas
        ]
    )
