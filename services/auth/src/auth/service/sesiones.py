"""Login, refresh-token rotation, logout and the brute-force limits."""

from __future__ import annotations

import math
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth.events import MotivoRevocacion
from auth.models import Bloqueo, Cuenta, IntentoLogin, RefreshToken
from auth.service import claves, passwords, revocaciones
from auth.service.comun import cuenta_por_nombre_o_email, sha256_hex, usuario_de
from auth.settings import Settings
from sigexp_common import audit
from sigexp_common.db import advisory_xact_lock
from sigexp_common.envelope import utcnow
from sigexp_common.errors import DemasiadosIntentos, ErrorDominio, NoAutenticado
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


def _hora_local(settings: Settings, momento: datetime) -> str:
    try:
        zona = ZoneInfo(settings.zona_horaria)
    except (ZoneInfoNotFoundError, ValueError):
        return momento.strftime("%H:%M UTC")
    return momento.astimezone(zona).strftime("%H:%M")


def _demasiados_intentos(settings: Settings, hasta: datetime) -> DemasiadosIntentos:
    segundos = max(1, math.ceil((hasta - utcnow()).total_seconds()))
    minutos = max(1, math.ceil(segundos / 60))
    return DemasiadosIntentos(
        "Demasiados intentos fallidos de inicio de sesión. Por seguridad el acceso quedó "
        f"bloqueado temporalmente: intente nuevamente a partir de las "
        f"{_hora_local(settings, hasta)} (dentro de {minutos} minuto{'s' if minutos > 1 else ''}).",
        retry_after=segundos,
    )


async def _bloqueo_vigente(db: AsyncSession, claves_: list[str]) -> datetime | None:
    hasta: datetime | None = await db.scalar(
        select(func.max(Bloqueo.hasta)).where(Bloqueo.clave.in_(claves_), Bloqueo.hasta > utcnow())
    )
    return hasta


async def _fallos_recientes(
    db: AsyncSession, settings: Settings, columna: str, valor: str, clave_bloqueo: str
) -> int:
    """Failures since the window start, the end of the last lock and the last success."""
    ahora = utcnow()
    desde = ahora - timedelta(minutes=settings.login_ventana_minutos)
    fin_bloqueo = await db.scalar(
        select(func.max(Bloqueo.hasta)).where(Bloqueo.clave == clave_bloqueo)
    )
    if fin_bloqueo is not None and fin_bloqueo > desde:
        desde = fin_bloqueo
    campo = IntentoLogin.clave if columna == "clave" else IntentoLogin.ip
    if columna == "clave":
        ultimo_exito = await db.scalar(
            select(func.max(IntentoLogin.en)).where(campo == valor, IntentoLogin.exitoso)
        )
        if ultimo_exito is not None and ultimo_exito > desde:
            desde = ultimo_exito
    cantidad = await db.scalar(
        select(func.count())
        .select_from(IntentoLogin)
        .where(campo == valor, IntentoLogin.en > desde, IntentoLogin.exitoso.is_(False))
    )
    return int(cantidad or 0)


def _rechazo(error: ErrorDominio, nombre: str, causa: str) -> ErrorDominio:
    """A refused login keeps what it wrote (the attempt, a lock) along with its record."""
    return audit.denegar(
        error,
        None,
        "auth.login_fallido",
        "auth",
        usuario=nombre,
        detalle={"causa": causa},
        conservar=True,
    )


async def _registrar_fallo(
    db: AsyncSession, settings: Settings, clave: str, ip: str | None
) -> None:
    ahora = utcnow()
    db.add(IntentoLogin(clave=clave, ip=ip, exitoso=False, en=ahora))
    await db.flush()
    duracion = timedelta(minutes=settings.login_bloqueo_minutos)
    limites = [("clave", clave, clave, settings.login_max_fallos_cuenta)]
    if ip:
        limites.append(("ip", ip, f"ip:{ip}", settings.login_max_fallos_ip))
    for columna, valor, clave_bloqueo, maximo in limites:
        if await _fallos_recientes(db, settings, columna, valor, clave_bloqueo) >= maximo:
            db.add(Bloqueo(clave=clave_bloqueo, desde=ahora, hasta=ahora + duracion))


async def iniciar_sesion(
    db: AsyncSession, settings: Settings, usuario: str, password: str, ip: str | None
) -> ParDeTokens:
    """Check credentials. A failure is refused with `audit.denegar`: its attempt, the lock it
    may trigger and its audit record are committed before the 401/429 is answered."""
    nombre = usuario.strip().lower()
    cuenta = await cuenta_por_nombre_o_email(db, nombre)
    # An unknown name gets its own counter: the same answers, the same lock, the same time.
    clave = f"cuenta:{cuenta.id}" if cuenta else f"nombre:{nombre}"
    await advisory_xact_lock(db, f"auth.login:{clave}")
    hasta = await _bloqueo_vigente(db, [clave, f"ip:{ip}"] if ip else [clave])
    if hasta is not None:
        raise _rechazo(_demasiados_intentos(settings, hasta), nombre, "bloqueado")

    hash_ = cuenta.password_hash if cuenta else passwords.hash_ficticio(settings)
    valida, nuevo_hash = await passwords.verificar(settings, password, hash_)
    if cuenta is None or not valida or not cuenta.activo:
        await _registrar_fallo(db, settings, clave, ip)
        causa = "inexistente" if cuenta is None else ("password" if not valida else "inactivo")
        raise _rechazo(NoAutenticado(CREDENCIALES_INCORRECTAS), nombre, causa)

    if nuevo_hash:
        cuenta.password_hash = nuevo_hash
    db.add(IntentoLogin(clave=clave, ip=ip, exitoso=True, en=utcnow()))
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
    if fila.revocado_en is not None or fila.expira_en <= ahora:
        raise NoAutenticado(SESION_INVALIDA)
    cuenta = await db.get(Cuenta, fila.usuario_id)
    if cuenta is None or not cuenta.activo:
        raise await _revocar_y_denegar(db, fila, "auth.refresh")
    fila.usado_en = ahora
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
