"""ADMIN: user accounts and account requests."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, status

from auth.routes.deps import ENVIA_CORREO, Config
from auth.schemas import (
    AprobacionOut,
    AprobarSolicitudIn,
    Limite,
    RechazarSolicitudIn,
    SolicitudCuentaOut,
    SolicitudesOut,
    UsuarioIn,
    UsuarioOut,
    UsuarioPatch,
    UsuariosOut,
)
from auth.service import cuentas, solicitudes
from sigexp_common.db import Session
from sigexp_common.idempotency import IdempotentRoute
from sigexp_common.security import Admin, Perfil

router = APIRouter(tags=["usuarios"], route_class=IdempotentRoute)


@router.get("/api/v1/usuarios", response_model=UsuariosOut, name="usuario.listar")
async def listar(
    user: Admin,
    db: Session,
    q: str | None = None,
    perfil: Perfil | None = None,
    mesa_id: uuid.UUID | None = None,
    activo: bool | None = None,
    limit: Limite = 50,
    cursor: str | None = None,
) -> UsuariosOut:
    filas, siguiente = await cuentas.listar_usuarios(
        db, q=q, perfil=perfil, mesa_id=mesa_id, activo=activo, limit=limit, cursor=cursor, por=user
    )
    return UsuariosOut(items=[UsuarioOut.model_validate(f) for f in filas], next_cursor=siguiente)


@router.post(
    "/api/v1/usuarios",
    name="usuario.crear",
    response_model=UsuarioOut,
    status_code=status.HTTP_201_CREATED,
    dependencies=[ENVIA_CORREO],
)
async def crear(body: UsuarioIn, user: Admin, cfg: Config, db: Session) -> UsuarioOut:
    return UsuarioOut.model_validate(await cuentas.crear_usuario(db, cfg, body, por=user))


@router.get("/api/v1/usuarios/{usuario_id}", response_model=UsuarioOut, name="usuario.ver")
async def ver(usuario_id: uuid.UUID, user: Admin, db: Session) -> UsuarioOut:
    return UsuarioOut.model_validate(await cuentas.obtener_usuario(db, usuario_id, por=user))


@router.patch("/api/v1/usuarios/{usuario_id}", response_model=UsuarioOut, name="usuario.editar")
async def editar(usuario_id: uuid.UUID, body: UsuarioPatch, user: Admin, db: Session) -> UsuarioOut:
    cuenta = await cuentas.actualizar_usuario(db, usuario_id, body, por=user)
    return UsuarioOut.model_validate(cuenta)


@router.get(
    "/api/v1/solicitudes-cuenta", response_model=SolicitudesOut, name="solicitud_cuenta.listar"
)
async def listar_solicitudes(
    user: Admin,
    db: Session,
    estado: Literal["PENDIENTE", "APROBADA", "RECHAZADA"] | None = None,
) -> SolicitudesOut:
    filas = await solicitudes.listar_solicitudes(db, estado, por=user)
    return SolicitudesOut(items=[SolicitudCuentaOut.model_validate(f) for f in filas])


@router.post(
    "/api/v1/solicitudes-cuenta/{solicitud_id}/aprobar",
    name="solicitud_cuenta.aprobar",
    response_model=AprobacionOut,
    dependencies=[ENVIA_CORREO],
)
async def aprobar(
    solicitud_id: uuid.UUID, body: AprobarSolicitudIn, user: Admin, cfg: Config, db: Session
) -> AprobacionOut:
    solicitud, cuenta = await solicitudes.aprobar(db, cfg, solicitud_id, body, por=user)
    return AprobacionOut(
        solicitud=SolicitudCuentaOut.model_validate(solicitud),
        usuario=UsuarioOut.model_validate(cuenta),
    )


@router.post(
    "/api/v1/solicitudes-cuenta/{solicitud_id}/rechazar",
    name="solicitud_cuenta.rechazar",
    response_model=SolicitudCuentaOut,
    dependencies=[ENVIA_CORREO],
)
async def rechazar(
    solicitud_id: uuid.UUID, body: RechazarSolicitudIn, user: Admin, db: Session
) -> SolicitudCuentaOut:
    solicitud = await solicitudes.rechazar(db, solicitud_id, body.motivo, por=user)
    return SolicitudCuentaOut.model_validate(solicitud)
