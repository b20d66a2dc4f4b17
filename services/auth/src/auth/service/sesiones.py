"""Login (its brute-force limits in `intentos`), refresh-token rotation, logout."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth.events import MotivoRevocacion
from auth.models import Cuenta, RefreshToken
from auth.service import claves, intentos, passwords, revocaciones
from auth.service.comun import cuenta_por_nombre_o_email, sha256_hex, usuario_de
from auth.settings import Settings
from sigexp_common import audit
from sigexp_common.db import advisory_xact_lock
from sigexp_common.envelope import utcnow
from sigexp_common.errors import ErrorDominio, NoAutenticado
from sigexp_common.security import Usuario

CREDENCIALES_INCORRECTAS = "Usuario o contraseña incorrectos."
SESION_INVALIDA = "La sesión no es válida o expiró. Inicie sesión nuevamente."


@dataclass(frozen=True)
class ParDeTokens:
    access_token: str
    refresh_token: str
    expires_in: int
    debe_cambiar_password: bool


async def _emitir(
    db: AsyncSession, settings: Settings, cuenta: Cuenta, familia_id: uuid.UUID | None = None
) -> ParDeTokens:
    refresh = secrets.token_urlsafe(32)
    db.add(
        RefreshToken(
            token_hash=sha256_hex(refresh),
            usuario_id=cuenta.id,
            familia_id=familia_id or uuid.uuid4(),
            expira_en=utcnow() + timedelta(days=settings.refresh_token_days),
        )
    )
    access = await claves.firmar_access_token(db, settings, cuenta)
    return ParDeTokens(
        access_token=access,
        refresh_token=refresh,
        expires_in=settings.access_token_minutes * 60,
        debe_cambiar_password=cuenta.debe_cambiar_password,
    )


async def iniciar_sesion(
    db: AsyncSession, settings: Settings, usuario: str, password: str, ip: str | None
) -> ParDeTokens:
    """Check credentials, within the brute-force limits of `intentos`. A failure is refused
    with `audit.denegar`: its attempt, the lock it may trigger and its audit record are
    committed before the 401/429 is answered."""
    nombre, ip = usuario.strip().lower(), audit.normalizar_ip(ip)  # fits `intentos_login.ip`
    cuenta = await cuenta_por_nombre_o_email(db, nombre)
    # An unknown name gets its own counter: the same answers, the same waits, the same time.
    clave = intentos.clave_de(cuenta, nombre)
    await advisory_xact_lock(db, f"auth.login:{clave}")
    espera = await intentos.espera(db, settings, clave, ip)
    if espera is not None:
        raise intentos.rechazo(espera.error, nombre, cuenta, espera.causa)

    hash_ = cuenta.password_hash if cuenta else passwords.hash_ficticio(settings)
    valida, nuevo_hash = await passwords.verificar(settings, password, hash_)
    if cuenta is None or not valida or not cuenta.activo:
        await intentos.registrar_fallo(db, settings, clave, ip, cuenta)
        causa = "inexistente" if cuenta is None else ("password" if not valida else "inactivo")
        raise intentos.rechazo(NoAutenticado(CREDENCIALES_INCORRECTAS), nombre, cuenta, causa)

    if nuevo_hash:
        cuenta.password_hash = nuevo_hash
    intentos.registrar_exito(db, clave, ip)
    audit.registrar(db, usuario_de(cuenta), "auth.login", f"usuario/{cuenta.id}")
    return await _emitir(db, settings, cuenta)


async def refrescar(db: AsyncSession, settings: Settings, token: str) -> ParDeTokens:
    """Rotate a refresh token. A spent one coming back revokes its whole family, and that
    revocation is committed with the refusal's audit record before the 401."""
    fila = await db.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == sha256_hex(token)).with_for_update()
    )
    if fila is None:
        raise NoAutenticado(SESION_INVALIDA)
    ahora = utcnow()
    if fila.usado_en is not None:  # a stolen token, or its thief's: every access token too
        await revocaciones.revocar_sesiones(
            db, fila.usuario_id, MotivoRevocacion.REUTILIZACION_REFRESH
        )
        raise await _revocar_y_denegar(db, fila, "auth.refresh_reutilizado")
    cuenta = await db.get(Cuenta, fila.usuario_id)
    recurso = f"sesion/{fila.familia_id}"
    if fila.revocado_en is not None or fila.expira_en <= ahora:  # a known user's 401: recorded
        quien = usuario_de(cuenta) if cuenta else None
        raise audit.denegar(NoAutenticado(SESION_INVALIDA), quien, "auth.refresh", recurso)
    if cuenta is None or not cuenta.activo:
        raise await _revocar_y_denegar(db, fila, "auth.refresh")
    fila.usado_en = ahora
    audit.registrar(db, usuario_de(cuenta), "auth.refresh", recurso)
    return await _emitir(db, settings, cuenta, fila.familia_id)


async def _revocar_y_denegar(db: AsyncSession, fila: RefreshToken, accion: str) -> ErrorDominio:
    """The token's whole family ends; the refusal keeps that revocation with its record."""
    await _revocar_familia(db, fila.familia_id)
    cuenta = await db.get(Cuenta, fila.usuario_id)
    return audit.denegar(
        NoAutenticado(SESION_INVALIDA),
        usuario_de(cuenta) if cuenta else None,
        accion,
        f"sesion/{fila.familia_id}",
        detalle={"familia_id": str(fila.familia_id)},
        conservar=True,
    )


async def _revocar_familia(db: AsyncSession, familia_id: uuid.UUID) -> None:
    await db.execute(
        update(RefreshToken)
        .where(RefreshToken.familia_id == familia_id, RefreshToken.revocado_en.is_(None))
        .values(revocado_en=utcnow())
    )


async def revocar_todas(db: AsyncSession, usuario_id: uuid.UUID) -> None:
    """Every session of the user ends (password change or reset, deactivation)."""
    await db.execute(
        update(RefreshToken)
        .where(RefreshToken.usuario_id == usuario_id, RefreshToken.revocado_en.is_(None))
        .values(revocado_en=utcnow())
    )


async def cerrar_sesion(db: AsyncSession, por: Usuario, token: str) -> None:
    fila = await db.scalar(select(RefreshToken).where(RefreshToken.token_hash == sha256_hex(token)))
    if fila is not None and fila.usuario_id == por.id:
        await _revocar_familia(db, fila.familia_id)
    await revocaciones.revocar_sesiones(db, por.id, MotivoRevocacion.LOGOUT)
    audit.registrar(db, por, "auth.logout", f"usuario/{por.id}")
