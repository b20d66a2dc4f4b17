"""HTTP routes of reversal requests: the sender asks, ADMIN lists and decides."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from pases import permisos
from pases.schemas import (
    DecisionIn,
    EstadoSolicitud,
    SolicitudesReversionOut,
    SolicitudReversionIn,
    SolicitudReversionOut,
)
from pases.service import reversion
from sigexp_common.db import Session
from sigexp_common.idempotency import IdempotentRoute
from sigexp_common.security import Usuario

router = APIRouter(prefix="/api/v1", tags=["pases"], route_class=IdempotentRoute)


@router.post(
    "/pases/{pase_id}/solicitudes-reversion", status_code=201, response_model=SolicitudReversionOut
)
async def solicitar(
    pase_id: uuid.UUID,
    body: SolicitudReversionIn,
    user: Annotated[Usuario, permisos.de_mesa(reversion.SOLICITAR)],
    db: Session,
) -> SolicitudReversionOut:
    solicitud = await reversion.solicitar_reversion(db, pase_id, body, por=user)
    return SolicitudReversionOut.model_validate(solicitud)


@router.get("/solicitudes-reversion", response_model=SolicitudesReversionOut)
async def listar(
    user: Annotated[Usuario, permisos.admin(reversion.LISTAR)],
    db: Session,
    estado: EstadoSolicitud | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> SolicitudesReversionOut:
    solicitudes = await reversion.listar_solicitudes(db, estado, limit, por=user)
    return SolicitudesReversionOut(
        items=[SolicitudReversionOut.model_validate(s) for s in solicitudes]
    )


@router.post("/solicitudes-reversion/{solicitud_id}/aprobar", response_model=SolicitudReversionOut)
async def aprobar(
    solicitud_id: uuid.UUID,
    user: Annotated[Usuario, permisos.admin(reversion.APROBAR)],
    db: Session,
    body: DecisionIn | None = None,
) -> SolicitudReversionOut:
    solicitud = await reversion.aprobar_solicitud(db, solicitud_id, body or DecisionIn(), por=user)
    return SolicitudReversionOut.model_validate(solicitud)


@router.post("/solicitudes-reversion/{solicitud_id}/rechazar", response_model=SolicitudReversionOut)
async def rechazar(
    solicitud_id: uuid.UUID,
    user: Annotated[Usuario, permisos.admin(reversion.RECHAZAR)],
    db: Session,
    body: DecisionIn | None = None,
) -> SolicitudReversionOut:
    solicitud = await reversion.rechazar_solicitud(db, solicitud_id, body or DecisionIn(), por=user)
    return SolicitudReversionOut.model_validate(solicitud)
