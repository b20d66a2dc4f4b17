"""The route of an expediente: its pases, oldest first, and its custody now."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from pases.copias import Mesa
from pases.models import PENDIENTE, RECIBIDO, REVERTIDO, Pase, Tenencia
from sigexp_common import alcance, audit
from sigexp_common.security import Usuario


@dataclass(frozen=True)
class Tramo:
    """One pase of the route with its desks' names and the stay it began at its destination."""

    pase: Pase
    mesa_origen: str | None
    mesa_destino: str | None
    permanencia_segundos: int | None  # None: not received there (or the end is unknown)
    permanencia_en_curso: bool  # the destination still holds it


def _fin_de_la_estadia(
    pase: Pase, siguientes: list[Pase], tenencia: Tenencia, ahora: datetime
) -> tuple[datetime | None, bool]:
    """When the stay a received pase began ended: a reversal ends it; else the next pase that
    desk sent and that was not rejected or reverted (a rejected one came back); else now, if
    the desk still holds the expediente."""
    if pase.estado == REVERTIDO:
        return pase.revertido_en, False
    for otro in siguientes:
        if otro.mesa_origen_id == pase.mesa_destino_id and otro.estado in (PENDIENTE, RECIBIDO):
            return otro.enviado_en, False
    if not tenencia.en_transito and tenencia.mesa_id == pase.mesa_destino_id:
        return ahora, True
    return None, False


def tramos(
    filas: list[tuple[Pase, str | None, str | None]], tenencia: Tenencia, ahora: datetime
) -> list[Tramo]:
    resultado = []
    for i, (pase, origen, destino) in enumerate(filas):
        segundos, en_curso = None, False
        if pase.recibido_en is not None:
            fin, en_curso = _fin_de_la_estadia(
                pase, [p for p, _, _ in filas[i + 1 :]], tenencia, ahora
            )
            if fin is not None:
                segundos = max(int((fin - pase.recibido_en).total_seconds()), 0)
        resultado.append(Tramo(pase, origen, destino, segundos, en_curso))
    return resultado


async def ver_recorrido(
    db: AsyncSession, expediente_id: uuid.UUID, por: Usuario, ahora: datetime
) -> tuple[list[Tramo], Tenencia]:
    """The route of an expediente, oldest first, and its custody now: one query (custody,
    with each of its pases and their desks' names joined, and the scope as a column). Out of
    scope the pases are not even read (the join asks the scope too): a refused RESERVADO costs
    what an unknown id costs, and gets its answer (`alcance.rechazo(copia=True)`)."""
    accion = "pase.ver_recorrido"
    visible = alcance.filtro(por, Tenencia.mesas)
    origen, destino = aliased(Mesa), aliased(Mesa)
    rows = (
        await db.execute(
            select(
                Tenencia,
                Pase,
                visible.label("visible"),
                origen.nombre.label("origen"),
                destino.nombre.label("destino"),
            )
            .outerjoin(Pase, and_(Pase.expediente_id == Tenencia.expediente_id, visible))
            .outerjoin(origen, origen.id == Pase.mesa_origen_id)
            .outerjoin(destino, destino.id == Pase.mesa_destino_id)
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
    filas = [(row.Pase, row.origen, row.destino) for row in rows if row.Pase is not None]
    await audit.lectura(db, por, accion, f"expediente/{expediente_id}", expediente_id=expediente_id)
    return tramos(filas, tenencia, ahora), tenencia
