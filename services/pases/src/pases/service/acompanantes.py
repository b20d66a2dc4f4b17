"""Expedientes accumulated into a principal travel with it: what the envío, the reception, the
rejection and the reversal ask of accumulations (`service/acumulacion.py` makes and ends them).

An envío reads the files it sends and those accumulated into them, locks them all in expediente
order, and reads the accumulated ones again under the lock (`juntos`); a reception, rejection or
reversal locks a principal's pase with its companions' (`recepcion.bloquear_varios`) and then
reads them here (`pases_de`)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from pases.models import Pase, Tenencia
from sigexp_common import alcance
from sigexp_common.errors import Conflicto


async def con_acumulados(db: AsyncSession, ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """`ids` and the expedientes accumulated into them (read before locking them all)."""
    acumulados = await db.scalars(acumulados_de(*ids))
    return list(dict.fromkeys([*ids, *acumulados]))


async def juntos(
    db: AsyncSession, ids: list[uuid.UUID], bloqueadas: set[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """The expedientes accumulated into each of `ids`, read again once their custody is locked
    (no accumulation or desglose of theirs can commit meanwhile); one accumulated in the instant
    between the first read and the lock was not locked: the envío asks to be retried."""
    filas = await db.execute(
        select(Tenencia.acumulado_en_id, Tenencia.expediente_id)
        .where(Tenencia.acumulado_en_id.in_(ids))
        .order_by(Tenencia.expediente_id)
    )
    resultado: dict[uuid.UUID, list[uuid.UUID]] = {}
    for principal_id, acumulado_id in filas.tuples():
        if acumulado_id not in bloqueadas:
            raise Conflicto(
                "Se acaba de acumular un expediente a uno de los enviados; intente de nuevo.",
                retry_after=alcance.ESPERA,
            )
        assert principal_id is not None
        resultado.setdefault(principal_id, []).append(acumulado_id)
    return resultado


async def solos(
    db: AsyncSession, pedidos: list[uuid.UUID], tenencias: dict[uuid.UUID, Any]
) -> dict[uuid.UUID, str]:
    """Why each accumulated expediente of `pedidos` named without its principal cannot go."""
    enviados = set(pedidos)
    sueltos = [
        t
        for i in pedidos
        if i in tenencias and (t := tenencias[i][0]).acumulado_en_id not in (None, *enviados)
    ]
    if not sueltos:
        return {}
    principales = {t.acumulado_en_id for t in sueltos}
    nombres = dict(
        (
            await db.execute(
                select(Tenencia.expediente_id, Tenencia.referencia).where(
                    Tenencia.expediente_id.in_(principales)
                )
            )
        )
        .tuples()
        .all()
    )
    return {
        t.expediente_id: f"está acumulado al expediente {nombres.get(t.acumulado_en_id, '')}: "
        "viaja con él y no puede enviarse solo"
        for t in sueltos
    }


async def pases_de(db: AsyncSession, pase: Pase) -> list[tuple[Pase, Tenencia]]:
    """The pases of the accumulated expedientes that travel with `pase` and their custody
    (already locked with it: `recepcion.bloquear_varios`)."""
    filas = await db.execute(
        select(Pase, Tenencia)
        .join(Tenencia, Tenencia.expediente_id == Pase.expediente_id)
        .where(Pase.pase_principal_id == pase.id)
        .order_by(Tenencia.expediente_id)
    )
    return [(p, t) for p, t in filas.tuples()]


def motivo_si_es_acompanante(pase: Pase, que: str) -> str | None:
    """Why `pase` cannot be received, rejected or reverted on its own (None: it can)."""
    if pase.pase_principal_id is None:
        return None
    return (
        f"El expediente viaja acumulado a su principal: se {que} con el pase del principal, "
        "no por separado."
    )


def acumulados_de(*principales: uuid.UUID) -> Select[Any]:
    return select(Tenencia.expediente_id).where(Tenencia.acumulado_en_id.in_(principales))
