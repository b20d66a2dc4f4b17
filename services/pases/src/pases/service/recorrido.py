"""The route of an expediente: its pases, oldest first, and its custody now."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pases.models import Pase, Tenencia
from sigexp_common import alcance, audit
from sigexp_common.security import Usuario


async def ver_recorrido(
    db: AsyncSession, expediente_id: uuid.UUID, por: Usuario
) -> tuple[Sequence[Pase], Tenencia]:
    """The route of an expediente, oldest first, and its custody now: one query (custody,
    with each of its pases joined, and the scope as a column). Out of scope the pases are not
    even read (the join asks the scope too): a refused RESERVADO costs what an unknown id costs,
    and gets its answer (`alcance.rechazo(copia=True)`)."""
    accion = "pase.ver_recorrido"
    visible = alcance.filtro(por, Tenencia.mesas)
    rows = (
        await db.execute(
            select(Tenencia, Pase, visible.label("visible"))
            .outerjoin(Pase, and_(Pase.expediente_id == Tenencia.expediente_id, visible))
            .where(Tenencia.expediente_id == expediente_id)
            .order_by(Pase.enviado_en)
        )
    ).all()
    if not rows:
        raise alcance.desconocido(por, accion, expediente_id)
    tenencia = rows[0].Tenencia
    if not rows[0].visible:
        raise alcance.rechazo(
            por, tenencia.caracter, accion, expediente_id, "ver su recorrido", copia=True
        )
    pases = [row.Pase for row in rows if row.Pase is not None]
    await audit.lectura(db, por, accion, f"expediente/{expediente_id}", expediente_id=expediente_id)
    return pases, tenencia
