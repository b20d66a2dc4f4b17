"""HTTP routes of accumulations: accumulate a file into a principal, list, desglose."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter

from pases import permisos
from pases.models_acumulacion import Acumulacion
from pases.schemas_acumulacion import (
    AcumulacionIn,
    AcumulacionOut,
    AcumuladosOut,
    DesgloseIn,
    ExpedienteBreve,
)
from pases.service import acumulacion
from sigexp_common.db import Session
from sigexp_common.idempotency import IdempotentRoute
from sigexp_common.security import CurrentUser, Usuario

router = APIRouter(prefix="/api/v1", tags=["pases"], route_class=IdempotentRoute)


def _salida(a: Acumulacion, vista: acumulacion.Vista | None = None) -> AcumulacionOut:
    otro = None
    if vista is not None:
        otro = ExpedienteBreve(
            id=vista.otro.expediente_id,
            referencia=vista.otro.referencia,
            extracto=vista.extracto,
            caracter=vista.otro.caracter,
        )
    return AcumulacionOut(
        id=a.id,
        principal_id=a.principal_id,
        acumulado_id=a.acumulado_id,
        motivo=a.motivo,
        en=a.en,
        por_usuario=a.por_usuario,
        desglosado_en=a.desglosado_en,
        desglosado_por=a.desglosado_por,
        motivo_desglose=a.motivo_desglose,
        expediente=otro,
    )


@router.post(
    "/expedientes/{expediente_id}/acumulados", status_code=201, response_model=AcumulacionOut
)
async def acumular(
    expediente_id: uuid.UUID,
    body: AcumulacionIn,
    user: Annotated[Usuario, permisos.de_mesa(acumulacion.ACUMULAR)],
    db: Session,
) -> AcumulacionOut:
    return _salida(await acumulacion.acumular(db, expediente_id, body, por=user))


@router.get("/expedientes/{expediente_id}/acumulados", response_model=AcumuladosOut)
async def ver_acumulados(expediente_id: uuid.UUID, user: CurrentUser, db: Session) -> AcumuladosOut:
    principal, items = await acumulacion.ver_acumulados(db, expediente_id, por=user)
    return AcumuladosOut(
        principal=_salida(principal.acumulacion, principal) if principal else None,
        items=[_salida(v.acumulacion, v) for v in items],
    )


@router.post(
    "/expedientes/{expediente_id}/acumulados/{acumulado_id}/desglose",
    response_model=AcumulacionOut,
)
async def desglosar(
    expediente_id: uuid.UUID,
    acumulado_id: uuid.UUID,
    body: DesgloseIn,
    user: Annotated[Usuario, permisos.de_mesa(acumulacion.DESGLOSAR)],
    db: Session,
) -> AcumulacionOut:
    return _salida(await acumulacion.desglosar(db, expediente_id, acumulado_id, body, por=user))
