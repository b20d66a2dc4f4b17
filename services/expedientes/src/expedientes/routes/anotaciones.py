"""HTTP routes of the internal annotations and the deletion requests."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from expedientes.models_acciones import Anotacion, EstadoSolicitud
from expedientes.schemas import (
    AnotacionesOut,
    AnotacionIn,
    AnotacionOut,
    DecisionIn,
    SolicitudBajaIn,
    SolicitudBajaOut,
    SolicitudesBajaOut,
)
from expedientes.service import anotaciones, bajas
from sigexp_common import entrada
from sigexp_common.db import Session
from sigexp_common.idempotency import IdempotentRoute
from sigexp_common.security import Admin, CurrentUser

router = APIRouter(prefix="/api/v1", tags=["expedientes"], route_class=IdempotentRoute)


def anotacion_out(anotacion: Anotacion) -> AnotacionOut:
    salida = AnotacionOut.model_validate(anotacion)
    if anotacion.eliminada_en is not None:  # kept in its place, without its text
        salida = salida.model_copy(update={"texto": None, "eliminada": True})
    return salida


@router.post(
    "/expedientes/{expediente_id}/anotaciones", status_code=201, response_model=AnotacionOut
)
async def agregar_anotacion(
    expediente_id: uuid.UUID, body: AnotacionIn, user: CurrentUser, db: Session
) -> AnotacionOut:
    anotacion = await anotaciones.agregar_anotacion(db, expediente_id, body, por=user)
    return anotacion_out(anotacion)


@router.get("/expedientes/{expediente_id}/anotaciones", response_model=AnotacionesOut)
async def listar_anotaciones(
    expediente_id: uuid.UUID, user: CurrentUser, db: Session
) -> AnotacionesOut:
    items = await anotaciones.listar_anotaciones(db, expediente_id, por=user)
    return AnotacionesOut(items=[anotacion_out(a) for a in items])


@router.delete("/expedientes/{expediente_id}/anotaciones/{anotacion_id}", status_code=204)
async def eliminar_anotacion(
    expediente_id: uuid.UUID, anotacion_id: uuid.UUID, user: CurrentUser, db: Session
) -> Response:
    await anotaciones.eliminar_anotacion(db, expediente_id, anotacion_id, por=user)
    return Response(status_code=204)


def _solicitud(solicitud: bajas.Solicitud) -> SolicitudBajaOut:
    return SolicitudBajaOut.model_validate(
        {
            **{
                c: getattr(solicitud.fila, c)
                for c in SolicitudBajaOut.model_fields
                if c != "referencia"
            },
            "referencia": solicitud.referencia,
        }
    )


@router.post(
    "/expedientes/{expediente_id}/solicitudes-baja",
    status_code=201,
    response_model=SolicitudBajaOut,
)
async def solicitar_baja(
    expediente_id: uuid.UUID, body: SolicitudBajaIn, user: CurrentUser, db: Session
) -> SolicitudBajaOut:
    return _solicitud(await bajas.solicitar_baja(db, expediente_id, body, por=user))


@router.get("/solicitudes-baja", response_model=SolicitudesBajaOut, name="baja.listar")
async def listar_solicitudes(
    user: Admin,
    db: Session,
    estado: EstadoSolicitud | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=entrada.MAX_CURSOR)] = None,
) -> SolicitudesBajaOut:
    items, siguiente = await bajas.listar_solicitudes(db, estado, limit, cursor, por=user)
    return SolicitudesBajaOut(items=[_solicitud(s) for s in items], next_cursor=siguiente)


@router.post(
    "/solicitudes-baja/{solicitud_id}/aprobar", response_model=SolicitudBajaOut, name="baja.aprobar"
)
async def aprobar_baja(
    solicitud_id: uuid.UUID, user: Admin, db: Session, body: DecisionIn | None = None
) -> SolicitudBajaOut:
    return _solicitud(await bajas.aprobar_baja(db, solicitud_id, body or DecisionIn(), por=user))


@router.post(
    "/solicitudes-baja/{solicitud_id}/rechazar",
    response_model=SolicitudBajaOut,
    name="baja.rechazar",
)
async def rechazar_baja(
    solicitud_id: uuid.UUID, body: DecisionIn, user: Admin, db: Session
) -> SolicitudBajaOut:
    return _solicitud(await bajas.rechazar_baja(db, solicitud_id, body, por=user))
