"""Small helpers the use cases share."""

from __future__ import annotations

import hashlib
import uuid

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.models import Cuenta
from sigexp_common.security import Perfil, Usuario


def sha256_hex(valor: str) -> str:
    return hashlib.sha256(valor.encode()).hexdigest()


def usuario_de(cuenta: Cuenta) -> Usuario:
    """The acting-user view of an account (for audit records written by auth itself)."""
    return Usuario(
        id=cuenta.id,
        usuario=cuenta.usuario,
        perfil=Perfil(cuenta.perfil),
        organismo_id=cuenta.organismo_id,
        organismo_codigo=cuenta.organismo.codigo if cuenta.organismo else None,
        mesa_id=cuenta.mesa_id,
        debe_cambiar_password=cuenta.debe_cambiar_password,
    )


async def cuenta_por_nombre_o_email(db: AsyncSession, texto: str) -> Cuenta | None:
    nombre = texto.strip().lower()
    if not nombre:
        return None
    return await db.scalar(
        select(Cuenta)
        .where(or_(func.lower(Cuenta.usuario) == nombre, func.lower(Cuenta.email) == nombre))
        .limit(1)
    )


async def cuenta_por_id(db: AsyncSession, cuenta_id: uuid.UUID) -> Cuenta | None:
    return await db.get(Cuenta, cuenta_id)


async def cuenta_para_actualizar(db: AsyncSession, cuenta_id: uuid.UUID) -> Cuenta | None:
    """The account, its row locked until the transaction ends."""
    return await db.scalar(select(Cuenta).where(Cuenta.id == cuenta_id).with_for_update(of=Cuenta))
