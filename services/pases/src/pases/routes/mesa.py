"""The desk's views: en mesa, statistics and its arrival notices by e-mail."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, cast

from fastapi import APIRouter, Query, Request

from pases.schemas_mesa import AvisosIn, AvisosOut, EnMesaOut, EstadisticasOut
from pases.service import avisos, estadisticas, mesa
from pases.settings import Settings
from sigexp_common.db import Session
from sigexp_common.idempotency import IdempotentRoute
from sigexp_common.security import CurrentUser

router = APIRouter(prefix="/api/v1/mesa", tags=["mesa"], route_class=IdempotentRoute)


def _settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


@router.get("/en-mesa", response_model=EnMesaOut)
async def en_mesa(
    request: Request,
    user: CurrentUser,
    db: Session,
    mesa_id: uuid.UUID | None = None,
    dias: Annotated[int | None, Query(ge=1, le=90)] = None,
) -> EnMesaOut:
    dias = dias or _settings(request).en_mesa_dias
    mesa_, items = await mesa.en_mesa(db, user, mesa_id, dias)
    return EnMesaOut(mesa_id=mesa_, dias=dias, items=items)


@router.get("/estadisticas", response_model=EstadisticasOut)
async def ver_estadisticas(
    request: Request,
    user: CurrentUser,
    db: Session,
    desde: datetime | None = None,
    hasta: datetime | None = None,
    mesa_id: uuid.UUID | None = None,
    organismo_id: uuid.UUID | None = None,
    estancados_dias: Annotated[int | None, Query(ge=1, le=3650)] = None,
) -> EstadisticasOut:
    return await estadisticas.de_la_mesa(
        db,
        user,
        estadisticas.Periodo.de(desde, hasta),
        mesa_id=mesa_id,
        organismo_id=organismo_id,
        estancados_dias=estancados_dias or _settings(request).estancados_dias,
    )


@router.get("/avisos", response_model=AvisosOut)
async def ver_avisos(user: CurrentUser, db: Session) -> AvisosOut:
    return await avisos.ver(db, user)


@router.put("/avisos", response_model=AvisosOut)
async def cambiar_avisos(body: AvisosIn, user: CurrentUser, db: Session) -> AvisosOut:
    return await avisos.cambiar(db, user, body)
