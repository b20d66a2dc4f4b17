"""HTTP routes of the integraciones service (ADMIN only, enforced here)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from integraciones.models import Suscriptor
from integraciones.schemas import (
    CredencialesOut,
    EntregaOut,
    EntregasOut,
    IntentoOut,
    ReenvioIn,
    ReenvioOut,
    ReintentoOut,
    SuscriptorCreadoOut,
    SuscriptorEdicion,
    SuscriptoresOut,
    SuscriptorIn,
    SuscriptorOut,
)
from integraciones.service import entregas, suscriptores
from integraciones.settings import Settings
from sigexp_common.db import Session
from sigexp_common.idempotency import IdempotentRoute
from sigexp_common.security import Admin

router = APIRouter(
    prefix="/api/v1/integraciones", tags=["integraciones"], route_class=IdempotentRoute
)
# The two answers that carry credentials ignore Idempotency-Key, as login does: a stored answer
# would keep a broker password or a webhook secret in a table for a day.
credenciales = APIRouter(prefix="/api/v1/integraciones", tags=["integraciones"])


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _salida(s: Suscriptor, estado: suscriptores.Estado | None = None) -> SuscriptorOut:
    datos = {c: getattr(s, c) for c in SuscriptorOut.model_fields if hasattr(s, c)}
    if estado is not None:
        datos.update(vars(estado))
    return SuscriptorOut(**datos)


@credenciales.post(
    "/suscriptores",
    status_code=201,
    response_model=SuscriptorCreadoOut,
    name="suscriptor.registrar",
)
async def registrar(
    request: Request, body: SuscriptorIn, user: Admin, db: Session
) -> SuscriptorCreadoOut:
    s, credenciales = await suscriptores.registrar(db, body, user, _settings(request))
    return SuscriptorCreadoOut(**_salida(s).model_dump(), credenciales=credenciales)


@router.get("/suscriptores", response_model=SuscriptoresOut, name="suscriptor.listar")
async def listar(user: Admin, db: Session) -> SuscriptoresOut:
    return SuscriptoresOut(items=[_salida(s) for s in await suscriptores.listar(db, user)])


@router.get("/suscriptores/{suscriptor_id}", response_model=SuscriptorOut, name="suscriptor.ver")
async def ver(
    request: Request, suscriptor_id: uuid.UUID, user: Admin, db: Session
) -> SuscriptorOut:
    s, estado = await suscriptores.ver(db, suscriptor_id, user, _settings(request))
    return _salida(s, estado)


@router.patch(
    "/suscriptores/{suscriptor_id}", response_model=SuscriptorOut, name="suscriptor.editar"
)
async def editar(
    suscriptor_id: uuid.UUID, body: SuscriptorEdicion, user: Admin, db: Session
) -> SuscriptorOut:
    return _salida(await suscriptores.editar(db, suscriptor_id, body, user))


@credenciales.post(
    "/suscriptores/{suscriptor_id}/credenciales",
    response_model=CredencialesOut,
    name="suscriptor.rotar",
)
async def rotar(
    request: Request, suscriptor_id: uuid.UUID, user: Admin, db: Session
) -> CredencialesOut:
    return await suscriptores.rotar(db, suscriptor_id, user, _settings(request))


@router.delete(
    "/suscriptores/{suscriptor_id}",
    status_code=204,
    response_class=Response,
    name="suscriptor.revocar",
)
async def revocar(request: Request, suscriptor_id: uuid.UUID, user: Admin, db: Session) -> Response:
    await suscriptores.revocar(db, suscriptor_id, user, _settings(request))
    return Response(status_code=204)


@router.get(
    "/suscriptores/{suscriptor_id}/entregas", response_model=EntregasOut, name="suscriptor.entregas"
)
async def registro_de_entregas(
    suscriptor_id: uuid.UUID,
    user: Admin,
    db: Session,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> EntregasOut:
    filas = await entregas.registro(db, suscriptor_id, user, limit)
    return EntregasOut(
        items=[
            EntregaOut(
                seq=e.seq,
                evento_id=ev.id,
                tipo=ev.type,
                motivo=e.motivo,
                estado=e.estado,
                intentos=e.intentos,
                creada_en=e.creada_en,
                entregada_en=e.entregada_en,
                ultimo_error=e.ultimo_error,
                historial=[
                    IntentoOut(en=i.en, ok=i.ok, codigo_http=i.codigo_http, error=i.error)
                    for i in intentos
                ],
            )
            for e, ev, intentos in filas
        ]
    )


@router.post(
    "/suscriptores/{suscriptor_id}/reenvio",
    status_code=202,
    response_model=ReenvioOut,
    name="suscriptor.reenviar",
)
async def reenviar(
    suscriptor_id: uuid.UUID, body: ReenvioIn, user: Admin, db: Session
) -> ReenvioOut:
    n = await entregas.reenviar(db, suscriptor_id, body.desde, body.desde_evento, user)
    return ReenvioOut(eventos=n)


@router.post(
    "/suscriptores/{suscriptor_id}/entregas/reintento",
    response_model=ReintentoOut,
    name="suscriptor.reintentar",
)
async def reintentar(suscriptor_id: uuid.UUID, user: Admin, db: Session) -> ReintentoOut:
    return ReintentoOut(entregas=await entregas.reintentar_aparcadas(db, suscriptor_id, user))
