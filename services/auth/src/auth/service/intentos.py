"""Brute force: growing waits per (account, client address), a hard lock per account, a lock
per address. Attempts are rows of `intentos_login` (shared by all replicas); the caller holds
`advisory_xact_lock(db, "auth.login:<clave>")` so the attempts on one account are serialised.

- A pair (account or attempted name, address) may fail `login_fallos_sin_demora` times; after
  that every attempt from it must wait, the wait doubling with each further failure (2 s, 4 s,
  8 s ... up to 15 minutes). An attempt that comes too early is answered 429 + Retry-After and
  is not tried (nor counted): a correct password from another address is never slowed down.
- The account itself (every address) locks only at `login_max_fallos_cuenta` failures within
  `login_ventana_cuenta_horas`; the lock lasts `login_bloqueo_cuenta_horas` or until a
  successful password reset, and is recorded as `auth.cuenta_bloqueada` under the account.
- An address locks after `login_max_fallos_ip` failures within `login_ventana_minutos`,
  whatever the accounts (spraying), for `login_bloqueo_minutos`.

The address is only ever `sigexp_common.context.client_address` (the gateway's view of it).
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth.models import Bloqueo, Cuenta, IntentoLogin
from auth.service.comun import usuario_de
from auth.settings import Settings
from sigexp_common import audit
from sigexp_common.envelope import utcnow
from sigexp_common.errors import DemasiadosIntentos, ErrorDominio


@dataclass(frozen=True)
class Espera:
    """Why an attempt may not be tried now: the 429 to answer and the audit `causa`."""

    error: DemasiadosIntentos
    causa: str  # "demora" (the pair must wait) or "bloqueado" (account or address locked)


def clave_de(cuenta: Cuenta | None, nombre: str) -> str:
    """The counter of an account; an unknown name gets its own, so it behaves the same."""
    return f"cuenta:{cuenta.id}" if cuenta else f"nombre:{nombre}"


def clave_de_cuenta(cuenta_id: uuid.UUID) -> str:
    return f"cuenta:{cuenta_id}"


def _hora_local(settings: Settings, momento: datetime, con_fecha: bool = False) -> str:
    formato = "%H:%M del %d/%m" if con_fecha else "%H:%M"
    try:
        zona = ZoneInfo(settings.zona_horaria)
    except (ZoneInfoNotFoundError, ValueError):
        return momento.strftime(formato + " UTC")
    return momento.astimezone(zona).strftime(formato)


def _segundos_hasta(hasta: datetime) -> int:
    return max(1, math.ceil((hasta - utcnow()).total_seconds()))


def _direccion_bloqueada(settings: Settings, hasta: datetime) -> DemasiadosIntentos:
    segundos = _segundos_hasta(hasta)
    minutos = max(1, math.ceil(segundos / 60))
    return DemasiadosIntentos(
        "Demasiados intentos fallidos de inicio de sesión. Por seguridad el acceso quedó "
        f"bloqueado temporalmente: intente nuevamente a partir de las "
        f"{_hora_local(settings, hasta)} (dentro de {minutos} minuto{'s' if minutos > 1 else ''}).",
        retry_after=segundos,
    )


def _cuenta_bloqueada(settings: Settings, hasta: datetime) -> DemasiadosIntentos:
    return DemasiadosIntentos(
        "La cuenta quedó bloqueada por demasiados intentos fallidos de inicio de sesión. "
        "Para desbloquearla, restablezca la contraseña desde «Olvidé mi contraseña»; si no, "
        f"podrá intentar nuevamente a partir de las {_hora_local(settings, hasta, True)}.",
        retry_after=_segundos_hasta(hasta),
    )


def _demorado(settings: Settings, hasta: datetime) -> DemasiadosIntentos:
    segundos = _segundos_hasta(hasta)
    if segundos < 120:
        cuando = f"{segundos} segundo{'s' if segundos > 1 else ''}"
    else:
        cuando = f"hasta las {_hora_local(settings, hasta)} ({math.ceil(segundos / 60)} minutos)"
    return DemasiadosIntentos(
        "Demasiados intentos fallidos de inicio de sesión. Por seguridad, espere "
        f"{cuando} antes de volver a intentar.",
        retry_after=segundos,
    )


def demora(settings: Settings, fallos: int) -> timedelta:
    """The wait after the pair's `fallos`-th failure (none for the first few)."""
    if fallos < settings.login_fallos_sin_demora:
        return timedelta(0)
    exponente = min(fallos - settings.login_fallos_sin_demora, 30)
    segundos = settings.login_demora_inicial_segundos * 2**exponente
    return timedelta(seconds=min(segundos, settings.login_demora_maxima_segundos))


def _del_par(clave: str, ip: str | None) -> ColumnElement[bool]:
    return (IntentoLogin.clave == clave) & IntentoLogin.ip.is_not_distinct_from(ip)


async def _fallos_del_par(
    db: AsyncSession, settings: Settings, clave: str, ip: str | None
) -> tuple[int, datetime | None]:
    """(failures of the pair since its last success within the account window, the last one),
    in one round trip."""
    desde = utcnow() - timedelta(hours=settings.login_ventana_cuenta_horas)
    ultimo_exito = (
        select(func.max(IntentoLogin.en))
        .where(_del_par(clave, ip), IntentoLogin.exitoso)
        .scalar_subquery()
    )
    fila = (
        await db.execute(
            select(func.count(), func.max(IntentoLogin.en)).where(
                _del_par(clave, ip),
                IntentoLogin.exitoso.is_(False),
                IntentoLogin.en > func.greatest(desde, func.coalesce(ultimo_exito, desde)),
            )
        )
    ).one()
    return int(fila[0] or 0), fila[1]


async def espera(db: AsyncSession, settings: Settings, clave: str, ip: str | None) -> Espera | None:
    """What stops this attempt now, if anything: a lock, or the pair's pending wait."""
    ahora = utcnow()
    claves = [clave, f"ip:{ip}"] if ip else [clave]
    vigentes = (
        await db.execute(
            select(Bloqueo.clave, func.max(Bloqueo.hasta))
            .where(Bloqueo.clave.in_(claves), Bloqueo.hasta > ahora)
            .group_by(Bloqueo.clave)
        )
    ).all()
    por_clave = {c: h for c, h in vigentes}
    if clave in por_clave:
        return Espera(_cuenta_bloqueada(settings, por_clave[clave]), "bloqueado")
    if vigentes:
        return Espera(_direccion_bloqueada(settings, vigentes[0][1]), "bloqueado")
    fallos, ultimo = await _fallos_del_par(db, settings, clave, ip)
    if ultimo is not None:
        hasta = ultimo + demora(settings, fallos)
        if hasta > ahora:
            return Espera(_demorado(settings, hasta), "demora")
    return None


async def _fallos_desde(
    db: AsyncSession, condicion: ColumnElement[bool], clave_bloqueo: str, desde: datetime
) -> int:
    """Failures matching `condicion` since `desde` and since the end of the key's last lock."""
    fin_bloqueo = await db.scalar(
        select(func.max(Bloqueo.hasta)).where(Bloqueo.clave == clave_bloqueo)
    )
    if fin_bloqueo is not None and fin_bloqueo > desde:
        desde = fin_bloqueo
    cantidad = await db.scalar(
        select(func.count())
        .select_from(IntentoLogin)
        .where(condicion, IntentoLogin.en > desde, IntentoLogin.exitoso.is_(False))
    )
    return int(cantidad or 0)


async def registrar_fallo(
    db: AsyncSession, settings: Settings, clave: str, ip: str | None, cuenta: Cuenta | None
) -> None:
    """Count a failure; lock the account or the address when it reaches their limit."""
    ahora = utcnow()
    db.add(IntentoLogin(clave=clave, ip=ip, exitoso=False, en=ahora))
    await db.flush()
    desde = ahora - timedelta(hours=settings.login_ventana_cuenta_horas)
    if cuenta is not None and cuenta.password_cambiada_en and cuenta.password_cambiada_en > desde:
        desde = cuenta.password_cambiada_en  # a reset (or change) starts the count again
    fallos = await _fallos_desde(db, IntentoLogin.clave == clave, clave, desde)
    if fallos >= settings.login_max_fallos_cuenta:
        hasta = ahora + timedelta(hours=settings.login_bloqueo_cuenta_horas)
        db.add(Bloqueo(clave=clave, desde=ahora, hasta=hasta))
        audit.registrar(
            db,
            usuario_de(cuenta) if cuenta else None,
            "auth.cuenta_bloqueada",
            f"usuario/{cuenta.id}" if cuenta else "auth",
            usuario=None if cuenta else clave.removeprefix("nombre:"),
            detalle={"fallos": fallos, "hasta": hasta.isoformat()},
        )
    if ip:
        desde_ip = ahora - timedelta(minutes=settings.login_ventana_minutos)
        fallos_ip = await _fallos_desde(db, IntentoLogin.ip == ip, f"ip:{ip}", desde_ip)
        if fallos_ip >= settings.login_max_fallos_ip:
            duracion = timedelta(minutes=settings.login_bloqueo_minutos)
            db.add(Bloqueo(clave=f"ip:{ip}", desde=ahora, hasta=ahora + duracion))
            audit.registrar(
                db, None, "auth.direccion_bloqueada", "auth", detalle={"fallos": fallos_ip}
            )


def registrar_exito(db: AsyncSession, clave: str, ip: str | None) -> None:
    """A success ends the pair's wait (the account's count goes on: a hard lock needs 50)."""
    db.add(IntentoLogin(clave=clave, ip=ip, exitoso=True, en=utcnow()))


async def levantar_bloqueo(db: AsyncSession, cuenta_id: uuid.UUID) -> None:
    """A successful reset lifts the account's lock (its count starts again from the reset)."""
    ahora = utcnow()
    await db.execute(
        update(Bloqueo)
        .where(Bloqueo.clave == clave_de_cuenta(cuenta_id), Bloqueo.hasta > ahora)
        .values(hasta=ahora)
    )


def rechazo(error: ErrorDominio, nombre: str, cuenta: Cuenta | None, causa: str) -> ErrorDominio:
    """A refused login keeps what it wrote (the attempt, a lock) along with its record, under
    the account when the name is a real one (so "what happened to this user" finds it)."""
    return audit.denegar(
        error,
        usuario_de(cuenta) if cuenta else None,
        "auth.login_fallido",
        f"usuario/{cuenta.id}" if cuenta else "auth",
        usuario=nombre,
        detalle={"causa": causa},
        conservar=True,
    )
