"""Login, tokens, the user's own account and password, account requests, JWKS."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Response, status

from auth.routes.deps import ENVIA_CORREO, Config
from auth.schemas import (
    LoginIn,
    MeOut,
    OlvidoIn,
    PasswordCambioIn,
    RefreshIn,
    RestablecerIn,
    SolicitudCuentaIn,
    TokensOut,
)
from auth.service import claves, credenciales, cuentas, sesiones, solicitudes
from sigexp_common import context
from sigexp_common.db import Session
from sigexp_common.idempotency import IdempotentRoute
from sigexp_common.security import CurrentUserPendingPassword

router = APIRouter(tags=["sesiones"], route_class=IdempotentRoute)


@router.post("/api/v1/auth/login", response_model=TokensOut)
async def login(body: LoginIn, cfg: Config, db: Session) -> TokensOut:
    tokens = await sesiones.iniciar_sesion(
        db, cfg, body.usuario, body.password, context.client_address.get()
    )
    return TokensOut(**asdict(tokens))


@router.post("/api/v1/auth/refresh", response_model=TokensOut)
async def refresh(body: RefreshIn, cfg: Config, db: Session) -> TokensOut:
    return TokensOut(**asdict(await sesiones.refrescar(db, cfg, body.refresh_token)))


@router.post("/api/v1/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(body: RefreshIn, user: CurrentUserPendingPassword, db: Session) -> Response:
    await sesiones.cerrar_sesion(db, user, body.refresh_token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/api/v1/auth/me", response_model=MeOut)
async def me(user: CurrentUserPendingPassword, db: Session) -> MeOut:
    return MeOut.model_validate(await cuentas.mi_cuenta(db, user))


@router.post("/api/v1/auth/password", status_code=status.HTTP_204_NO_CONTENT)
async def cambiar_password(
    body: PasswordCambioIn, user: CurrentUserPendingPassword, cfg: Config, db: Session
) -> Response:
    await credenciales.cambiar_password(db, cfg, user, body.password_actual, body.password_nueva)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/api/v1/auth/password/olvido",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[ENVIA_CORREO],
)
async def olvido(body: OlvidoIn, cfg: Config, db: Session) -> dict[str, str]:
    await credenciales.solicitar_restablecimiento(db, cfg, body.email)
    return {
        "detail": "Si el correo corresponde a una cuenta activa, le enviamos un enlace para "
        "restablecer la contraseña. Revise su casilla."
    }


@router.post("/api/v1/auth/password/restablecer", status_code=status.HTTP_204_NO_CONTENT)
async def restablecer(body: RestablecerIn, cfg: Config, db: Session) -> Response:
    await credenciales.restablecer(db, cfg, body.token, body.password_nueva)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/api/v1/auth/solicitudes-cuenta", status_code=status.HTTP_202_ACCEPTED)
async def solicitar_cuenta(body: SolicitudCuentaIn, cfg: Config, db: Session) -> dict[str, str]:
    await solicitudes.crear_solicitud(db, cfg, body)
    return {
        "detail": "Recibimos su solicitud. La mesa de ayuda la revisará y le responderá por "
        "correo electrónico."
    }


@router.get("/.well-known/jwks.json")
async def jwks(cfg: Config, db: Session, response: Response) -> dict[str, Any]:
    response.headers["Cache-Control"] = "public, max-age=60"
    return {"keys": await claves.claves_publicas(db, cfg)}
