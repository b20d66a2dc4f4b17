"""HTTP routes of the expedientes service: parse, call the use case, shape the answer."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from expedientes.schemas import (
    Caracter,
    Estado,
    ExpedienteIn,
    ExpedienteOut,
    ExpedientesOut,
    expedientes_json,
)
from expedientes.service import alta, consulta
from sigexp_common import entrada
from sigexp_common.db import Session
from sigexp_common.idempotency import IdempotentRoute
from sigexp_common.security import CurrentUser

router = APIRouter(prefix="/api/v1", tags=["expedientes"], route_class=IdempotentRoute)


@router.post("/expedientes", status_code=201, response_model=ExpedienteOut)
async def iniciar(body: ExpedienteIn, user: CurrentUser, db: Session) -> ExpedienteOut:
    expediente = await alta.iniciar_expediente(db, body, por=user)
    # Complete at once, as its detail reads it: a new expediente has no conexos yet.
    return ExpedienteOut.model_validate(expediente).model_copy(
        update={"vinculos": [], "acumulados": []}
    )


@router.get("/expedientes", response_model=ExpedientesOut)
async def buscar(
    user: CurrentUser,
    db: Session,
    q: Annotated[str | None, Query(max_length=200)] = None,
    estado: Estado | None = None,
    caracter: Caracter | None = None,
    tipo: Annotated[str | None, Query(max_length=50)] = None,
    codigo: Annotated[str | None, Query(pattern=r"^\d{1,20}$")] = None,
    anio: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    mes: Annotated[int | None, Query(ge=1, le=12)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=entrada.MAX_CURSOR)] = None,
) -> Response:
    filtros = consulta.Filtros(q, estado, caracter, tipo, codigo, anio, mes, limit, cursor)
    items, siguiente = await consulta.buscar_expedientes(db, filtros, por=user)
    # ExpedientesOut, written at once (`schemas.expedientes_json`)
    return Response(expedientes_json(items, siguiente), media_type="application/json")


@router.get("/expedientes/{expediente_id}", response_model=ExpedienteOut)
async def ver(expediente_id: uuid.UUID, user: CurrentUser, db: Session) -> ExpedienteOut:
    expediente = await consulta.ver_expediente(db, expediente_id, por=user)
    return ExpedienteOut.model_validate(expediente)
