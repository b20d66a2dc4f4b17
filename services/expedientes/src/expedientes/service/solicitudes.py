"""ADMIN's lists of requests to decide (deletions, fojas/tomos corrections): oldest first, the
next to decide on top, paged by a keyset cursor over (`solicitada_en`, `id`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from expedientes.models import Expediente
from sigexp_common import entrada


async def pagina(
    db: AsyncSession, modelo: Any, estado: str | None, limit: int, cursor: str | None
) -> tuple[list[tuple[Any, str]], str | None]:
    """One page of `modelo`'s rows (a table with `expediente_id`, `estado`, `solicitada_en`,
    `id`), each with its expediente's referencia, and the next page's cursor (None: last)."""
    query = select(modelo, Expediente).join(Expediente, Expediente.id == modelo.expediente_id)
    if estado is not None:
        query = query.where(modelo.estado == estado)
    if cursor:
        en, ident = entrada.leer_cursor(cursor, 2)
        desde, ultimo = entrada.instante(en), entrada.identificador(ident)
        query = query.where(
            or_(
                modelo.solicitada_en > desde,
                and_(modelo.solicitada_en == desde, modelo.id > ultimo),
            )
        )
    query = query.order_by(modelo.solicitada_en, modelo.id).limit(limit + 1)
    filas = [(fila, e.referencia) for fila, e in (await db.execute(query)).all()]
    siguiente = None
    if len(filas) > limit:
        ultima = filas[limit - 1][0]
        siguiente = entrada.cursor(ultima.solicitada_en.isoformat(), str(ultima.id))
    return filas[:limit], siguiente
