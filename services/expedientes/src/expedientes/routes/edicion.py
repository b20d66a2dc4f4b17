"""HTTP routes of an expediente's edit, timeline and printed cover."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from expedientes.schemas import EdicionIn, ExpedienteOut, HistorialOut, SucesoOut
from expedientes.service import caratula, edicion, historial
from sigexp_common.db import Session
from sigexp_common.idempotency import IdempotentRoute
from sigexp_common.security import CurrentUser

router = APIRouter(prefix="/api/v1", tags=["expedientes"], route_class=IdempotentRoute)


@router.patch("/expedientes/{expediente_id}", response_model=ExpedienteOut)
async def editar(
    expediente_id: uuid.UUID, body: EdicionIn, user: CurrentUser, db: Session
) -> ExpedienteOut:
    expediente = await edicion.editar_expediente(db, expediente_id, body, por=user)
    return ExpedienteOut.model_validate(expediente)


@router.get("/expedientes/{expediente_id}/historial", response_model=HistorialOut)
async def ver_historial(expediente_id: uuid.UUID, user: CurrentUser, db: Session) -> HistorialOut:
    entradas = await historial.leer_historial(db, expediente_id, por=user)
    return HistorialOut(items=[SucesoOut.model_validate(e, from_attributes=True) for e in entradas])


@router.get(
    "/expedientes/{expediente_id}/caratula.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def ver_caratula(expediente_id: uuid.UUID, user: CurrentUser, db: Session) -> Response:
    documento = await caratula.caratula(db, expediente_id, por=user)
    return Response(
        documento,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="caratula-{expediente_id}.pdf"'},
    )
