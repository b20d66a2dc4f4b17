"""What the service needs before answering: a signing key and the first ADMIN account."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from auth.events import UsuarioCreado
from auth.models import Cuenta
from auth.service import claves, passwords
from auth.service.comun import cuenta_por_nombre_o_email
from auth.settings import Settings
from sigexp_common import audit, outbox
from sigexp_common.db import advisory_xact_lock

log = logging.getLogger("sigexp.auth")


async def asegurar_admin(db: AsyncSession, settings: Settings) -> Cuenta:
    """Create the first ADMIN from SIGEXP_ADMIN_USUARIO/SIGEXP_ADMIN_PASSWORD if absent.

    The operator chose that password, so it is not provisional. An existing account is left
    untouched (changing the variable later does not reset a password someone changed).
    """
    await advisory_xact_lock(db, "auth.arranque.admin")
    existente = await cuenta_por_nombre_o_email(db, settings.admin_usuario)
    if existente is not None:
        return existente
    cuenta = Cuenta(
        id=uuid.uuid4(),
        usuario=settings.admin_usuario,
        nombre="Administrador de SIGEXP",
        email=settings.admin_email,
        perfil="ADMIN",
        password_hash=await passwords.hashear(settings, settings.admin_password),
        debe_cambiar_password=False,
        activo=True,
    )
    db.add(cuenta)
    await db.flush()
    await db.refresh(cuenta)
    outbox.add(db, UsuarioCreado.de(cuenta))
    audit.registrar(
        db,
        None,
        "usuario.crear",
        f"usuario/{cuenta.id}",
        usuario="sistema",
        detalle={"usuario": cuenta.usuario, "origen": "arranque"},
    )
    log.info("first ADMIN account created", extra={"usuario": cuenta.usuario})
    return cuenta


async def preparar(db: AsyncSession, settings: Settings) -> None:
    await claves.asegurar_clave(db, settings)
    await asegurar_admin(db, settings)
