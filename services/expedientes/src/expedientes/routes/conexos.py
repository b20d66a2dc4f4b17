"""HTTP routes of expedientes conexos: corrections of fojas/tomos and links between files."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from expedientes.schemas import DecisionIn
from expedientes.schemas_conexos import (
    CorreccionesOut,
    CorreccionIn,
    CorreccionOut,
    EstadoCorreccion,
    VinculoIn,
    VinculoOut,
    VinculosOut,
)
from expedientes.service import correcciones, vinculos
from sigexp_common import entrada
from sigexp_common.db import Session
from sigexp_common.idempotency import IdempotentRoute
from sigexp_common.security import Admin, CurrentUser

router = APIRouter(prefix="/api/v1", tags=["expedientes"], route_class=IdempotentRoute)


def _correccion(solicitud: correcciones.Solicitud) -> CorreccionOut:
    campos = {
        c: getattr(solicitud.fila, c) for c in CorreccionOut.model_fields if c != "referencia"
    }
    return CorreccionOut.model_validate({**campos, "referencia": solicitud.referencia})


@router.post(
    "/expedientes/{expediente_id}/correcciones", status_code=201, response_model=CorreccionOut
)
async def solicitar_correccion(
    expediente_id: uuid.UUID, body: CorreccionIn, user: CurrentUser, db: Session
) -> CorreccionOut:
    solicitud = await correcciones.solicitar_correccion(db, expediente_id, body, por=user)
    return _correccion(solicitud)


@router.get(
    "/expedientes/{expediente_id}/correcciones",
    response_model=CorreccionesOut,
    name="correccion.listar_del_expediente",
)
async def correcciones_del_expediente(
    expediente_id: uuid.UUID, user: CurrentUser, db: Session
) -> CorreccionesOut:
    items = await correcciones.listar_del_expediente(db, expediente_id, por=user)
    return CorreccionesOut(items=[_correccion(s) for s in items])


@router.get("/correcciones", response_model=CorreccionesOut, name="correccion.listar")
async def listar_correcciones(
    user: Admin,
    db: Session,
    estado: EstadoCorreccion | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=entrada.MAX_CURSOR)] = None,
) -> CorreccionesOut:
    items, siguiente = await correcciones.listar_correcciones(db, estado, limit, cursor, por=user)
    return CorreccionesOut(items=[_correccion(s) for s in items], next_cursor=siguiente)


@router.post(
    "/correcciones/{correccion_id}/aprobar", response_model=CorreccionOut, name="correccion.aprobar"
)
async def aprobar_correccion(
    correccion_id: uuid.UUID, user: Admin, db: Session, body: DecisionIn | None = None
) -> CorreccionOut:
    decision = body or DecisionIn()
    return _correccion(await correcciones.aprobar_correccion(db, correccion_id, decision, por=user))


@router.post(
    "/correcciones/{correccion_id}/rechazar",
    response_model=CorreccionOut,
    name="correccion.rechazar",
)
async def rechazar_correccion(
    correccion_id: uuid.UUID, body: DecisionIn, user: Admin, db: Session
) -> CorreccionOut:
    return _correccion(await correcciones.rechazar_correccion(db, correccion_id, body, por=user))


@router.get("/expedientes/{expediente_id}/vinculos", response_model=VinculosOut)
async def listar_vinculos(expediente_id: uuid.UUID, user: CurrentUser, db: Session) -> VinculosOut:
    items = await vinculos.listar_vinculos(db, expediente_id, por=user)
    return VinculosOut(items=[VinculoOut.model_validate(v) for v in items])


@router.post("/expedientes/{expediente_id}/vinculos", status_code=201, response_model=VinculoOut)
async def vincular(
    expediente_id: uuid.UUID, body: VinculoIn, user: CurrentUser, db: Session
) -> VinculoOut:
    return VinculoOut.model_validate(await vinculos.vincular(db, expediente_id, body, por=user))


@router.delete("/expedientes/{expediente_id}/vinculos/{vinculo_id}", status_code=204)
async def desvincular(
    expediente_id: uuid.UUID,
    vinculo_id: uuid.UUID,
    user: CurrentUser,
    db: Session,
    motivo: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    await vinculos.desvincular(db, expediente_id, vinculo_id, motivo, por=user)
    return Response(status_code=204)
