"""Limits of the public routes that send mail or store a request ("forgot password", account
requests): each is accepted at most `pedidos_max_por_email` times per e-mail address and
`pedidos_max_por_ip` times per client address within `pedidos_ventana_minutos`. The caller
answers the same 202 either way, and the count is kept by the e-mail text, not by an account,
so it behaves the same for an address that has no account (no enumeration)."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.models import PedidoPublico
from auth.settings import Settings
from sigexp_common import audit, context
from sigexp_common.db import advisory_xact_lock
from sigexp_common.envelope import utcnow

Tipo = Literal["olvido", "solicitud_cuenta"]


async def _cantidad(db: AsyncSession, condicion: ColumnElement[bool]) -> int:
    return int(
        await db.scalar(select(func.count()).select_from(PedidoPublico).where(condicion)) or 0
    )


async def admitir(db: AsyncSession, settings: Settings, tipo: Tipo, email: str) -> bool:
    """Whether this request may go on (then it is counted); False when over a limit."""
    email = email.strip().lower()
    ip = audit.normalizar_ip(context.client_address.get())
    # Serialised per e-mail and per address, always in that order (no lock cycle).
    await advisory_xact_lock(db, f"auth.pedido:{tipo}:{email}")
    if ip:
        await advisory_xact_lock(db, f"auth.pedido:{tipo}:ip:{ip}")
    ahora = utcnow()
    recientes = (PedidoPublico.tipo == tipo) & (
        PedidoPublico.en > ahora - timedelta(minutes=settings.pedidos_ventana_minutos)
    )
    if await _cantidad(db, recientes & (PedidoPublico.email == email)) >= (
        settings.pedidos_max_por_email
    ):
        return False
    if ip and await _cantidad(db, recientes & (PedidoPublico.ip == ip)) >= (
        settings.pedidos_max_por_ip
    ):
        return False
    db.add(PedidoPublico(tipo=tipo, email=email, ip=ip, en=ahora))
    return True
