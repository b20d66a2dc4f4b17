"""HTTP routes of the destination desk: receive a pase (one, or many by id or code), reject it."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter

from pases import permisos
from pases.schemas import (
    PaseOut,
    RecepcionesIn,
    RecepcionesOut,
    RecepcionIn,
    RechazoIn,
    ResultadoRecepcionOut,
)
from pases.service import recepcion
from sigexp_common.db import Session
from sigexp_common.idempotency import IdempotentRoute
from sigexp_common.security import Usuario

router = APIRouter(prefix="/api/v1", tags=["pases"], route_class=IdempotentRoute)


@router.post("/pases/{pase_id}/recepcion", response_model=PaseOut)
async def recibir(
    pase_id: uuid.UUID,
    body: RecepcionIn,
    user: Annotated[Usuario, permisos.de_mesa(recepcion.RECIBIR)],
    db: Session,
) -> PaseOut:
    pase = await recepcion.recibir_pase(db, pase_id, body, por=user)
    return PaseOut.model_validate(pase)


@router.post("/mesa/recepciones", response_model=RecepcionesOut)
async def recibir_varios(
    body: RecepcionesIn,
    user: Annotated[Usuario, permisos.de_mesa(recepcion.RECIBIR)],
    db: Session,
) -> RecepcionesOut:
    resultados = await recepcion.recibir_varios(db, body.items, por=user)
    return RecepcionesOut(
        items=[
            ResultadoRecepcionOut(
                pase_id=r.item.pase_id,
                codigo=r.item.codigo,
                status=r.status,
                detail=r.detail,
                pases=[PaseOut.model_validate(p) for p in r.pases],
            )
            for r in resultados
        ]
    )


@router.post("/pases/{pase_id}/rechazo", response_model=PaseOut)
async def rechazar(
    pase_id: uuid.UUID,
    body: RechazoIn,
    user: Annotated[Usuario, permisos.de_mesa(recepcion.RECHAZAR)],
    db: Session,
) -> PaseOut:
    pase = await recepcion.rechazar_pase(db, pase_id, body, por=user)
    return PaseOut.model_validate(pase)
