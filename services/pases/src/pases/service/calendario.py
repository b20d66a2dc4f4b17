"""pases' copy of auth's holiday calendar, kept from `sigexp.feriado.actualizado.v1`."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pases.events import FeriadoActualizado
from pases.models_mesa import Feriado
from sigexp_common import projection


async def registrar_feriado(db: AsyncSession, evento: FeriadoActualizado) -> None:
    """Take the date's newest version (older or repeated deliveries change nothing)."""
    await projection.apply_if_newer(
        db,
        Feriado,
        {"fecha": evento.fecha},
        projection.version(evento),
        {"nombre": evento.nombre, "activo": evento.activo},
    )
