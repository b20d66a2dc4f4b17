"""The copy of pases' custody of each expediente."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from expedientes.events import CustodiaActualizada
from expedientes.models import Custodia
from sigexp_common import projection


async def registrar_custodia(db: AsyncSession, evento: CustodiaActualizada) -> None:
    """Keep the copy of pases' custody: only a newer version replaces it (reordered, repeated
    or older deliveries change nothing)."""
    await projection.apply_if_newer(
        db,
        Custodia,
        {"expediente_id": evento.expediente_id},
        projection.version(evento),
        evento.model_dump(exclude={"expediente_id"}),
    )
