"""Password lifecycle: change (also the forced first change), forgot and reset by e-mail link."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth import mail
from auth.events import MotivoRevocacion
from auth.models import Cuenta, TokenRestablecimiento
from auth.service import intentos, passwords, pedidos, revocaciones, sesiones
from auth.service.comun import cuenta_para_actualizar, sha256_hex, usuario_de
from auth.settings import Settings
from sigexp_common import audit, context
from sigexp_common.db import advisory_xact_lock
from sigexp_common.envelope import utcnow
from sigexp_common.errors import CampoInvalido, DatoInvalido, NoAutenticado, PeticionInvalida
from sigexp_common.security import Usuario

ENLACE_INVALIDO = (
    "El enlace para restablecer la contraseña no es válido, ya fue usado o venció. "
    "Solicite uno nuevo desde «Olvidé mi contraseña»."
)


async def _fijar_password(
    db: AsyncSession, settings: Settings, cuenta: Cuenta, nueva: str, campo: str
) -> None:
    passwords.exigir_politica(nueva, cuenta.usuario, cuenta.email, campo)
    cuenta.password_hash = await passwords.hashear(settings, nueva)
    cuenta.debe_cambiar_password = False
    cuenta.password_cambiada_en = utcnow()
    await sesiones.revocar_todas(db, cuenta.id)


async def cambiar_password(
    db: AsyncSession, settings: Settings, por: Usuario, actual: str, nueva: str
) -> None:
    # A wrong `password_actual` is a guess like a failed login: same counter, same waits.
    clave = intentos.clave_de_cuenta(por.id)
    ip = audit.normalizar_ip(context.client_address.get())
    await advisory_xact_lock(db, f"auth.login:{clave}")  # before the row lock, as a login
    cuenta = await cuenta_para_actualizar(db, por.id)
    if cuenta is None or not cuenta.activo:
        raise NoAutenticado("Su cuenta no está habilitada. Inicie sesión nuevamente.")
    espera = await intentos.espera(db, settings, clave, ip)
    if espera is not None:
        raise audit.denegar(
            espera.error,
            por,
            "auth.password_cambiar",
            f"usuario/{cuenta.id}",
            detalle={"causa": espera.causa},
        )
    valida, _ = await passwords.verificar(settings, actual, cuenta.password_hash)
    if not valida:  # someone holding the token may be guessing the password: on the record
        await intentos.registrar_fallo(db, settings, clave, ip, cuenta)
        raise audit.denegar(
            DatoInvalido(
                "La contraseña actual no es correcta.",
                [CampoInvalido("password_actual", "No coincide con su contraseña actual.")],
            ),
            por,
            "auth.password_cambiar",
            f"usuario/{cuenta.id}",
            conservar=True,
        )
    intentos.registrar_exito(db, clave, ip)
    if passwords.normalizar(actual) == passwords.normalizar(nueva):
        raise DatoInvalido(
            "La contraseña nueva debe ser distinta de la actual.",
            [CampoInvalido("password_nueva", "Debe ser distinta de la actual.")],
        )
    await _fijar_password(db, settings, cuenta, nueva, "password_nueva")
    await revocaciones.revocar_sesiones(db, cuenta.id, MotivoRevocacion.CAMBIO_PASSWORD)
    audit.registrar(db, por, "auth.password_cambiar", f"usuario/{cuenta.id}")


async def solicitar_restablecimiento(db: AsyncSession, settings: Settings, email: str) -> bool:
    """Queue a reset link if the address belongs to an active account and is within the
    limits of `pedidos` (a mailbox is not flooded). Callers answer 202 in every case."""
    if not await pedidos.admitir(db, settings, "olvido", email):
        audit.registrar(
            db, None, "auth.password_olvido", "auth", resultado="limitado", usuario=email
        )
        return False
    cuenta = await db.scalar(
        select(Cuenta).where(func.lower(Cuenta.email) == email.strip().lower())
    )
    if cuenta is None or not cuenta.activo:
        audit.registrar(
            db, None, "auth.password_olvido", "auth", resultado="sin_cuenta", usuario=email
        )
        return False
    # Only the newest link works: one still pending from an earlier request stops working.
    await _anular_enlaces_pendientes(db, cuenta.id)
    token = secrets.token_urlsafe(32)
    db.add(
        TokenRestablecimiento(
            token_hash=sha256_hex(token),
            usuario_id=cuenta.id,
            expira_en=utcnow() + timedelta(minutes=settings.reset_token_minutes),
        )
    )
    enlace = f"{settings.public_url.rstrip('/')}/restablecer?token={token}"
    mail.encolar(
        db,
        cuenta.email,
        "SIGEXP: restablecer su contraseña",
        f"Hola {cuenta.nombre}:\n\n"
        "Recibimos un pedido para restablecer la contraseña de su cuenta de SIGEXP "
        f"({cuenta.usuario}). Para elegir una nueva, abra este enlace:\n\n{enlace}\n\n"
        f"El enlace vale una sola vez y vence en {settings.reset_token_minutes} minutos.\n"
        "Si usted no lo pidió, ignore este mensaje: su contraseña no cambia.\n",
    )
    audit.registrar(db, usuario_de(cuenta), "auth.password_olvido", f"usuario/{cuenta.id}")
    return True


async def _anular_enlaces_pendientes(db: AsyncSession, usuario_id: uuid.UUID) -> None:
    """Every link of the account not used yet stops working (marked as spent)."""
    await db.execute(
        update(TokenRestablecimiento)
        .where(
            TokenRestablecimiento.usuario_id == usuario_id,
            TokenRestablecimiento.usado_en.is_(None),
        )
        .values(usado_en=utcnow())
    )


async def restablecer(db: AsyncSession, settings: Settings, token: str, nueva: str) -> None:
    fila = await db.scalar(
        select(TokenRestablecimiento)
        .where(TokenRestablecimiento.token_hash == sha256_hex(token))
        .with_for_update()
    )
    if fila is None:  # a made-up link names nobody: nothing to put on anyone's record
        raise PeticionInvalida(ENLACE_INVALIDO)
    cuenta = await cuenta_para_actualizar(db, fila.usuario_id)
    if cuenta is None:
        raise PeticionInvalida(ENLACE_INVALIDO)
    if fila.usado_en is not None or fila.expira_en <= utcnow() or not cuenta.activo:
        # A spent, voided or expired link of a known account: a refused attempt on its record.
        raise audit.denegar(
            PeticionInvalida(ENLACE_INVALIDO),
            usuario_de(cuenta),
            "auth.password_restablecer",
            f"usuario/{cuenta.id}",
        )
    await _fijar_password(db, settings, cuenta, nueva, "password_nueva")
    await revocaciones.revocar_sesiones(db, cuenta.id, MotivoRevocacion.RESTABLECIMIENTO)
    fila.usado_en = utcnow()
    await _anular_enlaces_pendientes(db, cuenta.id)
    await intentos.levantar_bloqueo(db, cuenta.id)  # the owner proved it holds the mailbox
    audit.registrar(db, usuario_de(cuenta), "auth.password_restablecer", f"usuario/{cuenta.id}")
