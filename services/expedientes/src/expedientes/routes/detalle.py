"""HTTP route of the expediente's share of the composed detail (the gateway's
`GET /api/v1/expedientes/{id}` asks it, with pases and archivos in parallel)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from expedientes.schemas import AnotacionOut, DetalleOut, ExpedienteOut, ExpedientesOut, SucesoOut
from expedientes.service import detalle
from sigexp_common.db import Session
from sigexp_common.security import CurrentUser

router = APIRouter(prefix="/api/v1", tags=["expedientes"])


@router.get("/expedientes/resumenes", response_model=ExpedientesOut)
async def ver_resumenes(
    user: CurrentUser,
    db: Session,
    id: Annotated[list[uuid.UUID], Query(max_length=detalle.MAX_RESUMENES)],
) -> ExpedientesOut:
    """Several expedientes by id at once, those the user may see (before
    `/expedientes/{id}`: this router is included first)."""
    items = await detalle.resumenes(db, id, por=user)
    return ExpedientesOut(items=[ExpedienteOut.model_validate(e) for e in items])


@router.get("/expedientes/{expediente_id}/detalle", response_model=DetalleOut)
async def ver_detalle(expediente_id: uuid.UUID, user: CurrentUser, db: Session) -> DetalleOut:
    hecho = await detalle.ver_detalle(db, expediente_id, por=user)
    return DetalleOut(
        expediente=ExpedienteOut.model_validate(hecho.expediente),
        anotaciones=[_anotacion(a) for a in hecho.anotaciones],
        historial=[SucesoOut.model_validate(e) for e in hecho.historial],
    )


def _anotacion(fila: dict[str, Any]) -> AnotacionOut:
    """As `routes.anotaciones.anotacion_out`: a deleted one keeps its place without its text."""
    salida = AnotacionOut.model_validate(fila)
    if fila.get("eliminada_en") is not None:
        salida = salida.model_copy(update={"texto": None, "eliminada": True})
    return salida
