"""The copy of pases' custody of each expediente."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from expedientes.events import CustodiaActualizada
from expedientes.models import Custodia
from sigexp_common import projection


async def registrar_custodias(db: AsyncSession, eventos: Sequence[CustodiaActualizada]) -> None:
    """Keep the copy of pases' custody from a batch of events (`consumer.Batched`): per
    expediente only a newer version than the stored one replaces it (reordered, repeated or
    older deliveries change nothing), whatever the order inside the batch."""
    await projection.apply_all_if_newer(
        db,
        Custodia,
        "expediente_id",
        [
            (
                evento.expediente_id,
                projection.version(evento),
                evento.model_dump(exclude={"expediente_id"}),
            )
            for evento in eventos
        ],
    )
