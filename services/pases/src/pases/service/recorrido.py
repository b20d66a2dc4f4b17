"""The route of an expediente: its pases, oldest first, and its custody now."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from pases.copias import Mesa
from pases.models import PENDIENTE, RECIBIDO, REVERTIDO, Pase, Tenencia
from sigexp_common import alcance, audit, context
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


_ORIGEN, _DESTINO = aliased(Mesa), aliased(Mesa)
_VISIBLE = alcance.visible(Tenencia.mesas)
# Built once (aliasing the desks and building the statement cost more than running it, py-spy):
# the id and the user's scope are bound parameters.
_RECORRIDO = (
    select(
        Tenencia,
        Pase,
        _VISIBLE.label("visible"),
        _ORIGEN.nombre.label("origen"),
        _DESTINO.nombre.label("destino"),
    )
    .outerjoin(Pase, and_(Pase.expediente_id == Tenencia.expediente_id, _VISIBLE))
    .outerjoin(_ORIGEN, _ORIGEN.id == Pase.mesa_origen_id)
    .outerjoin(_DESTINO, _DESTINO.id == Pase.mesa_destino_id)
    .where(Tenencia.expediente_id == bindparam("expediente_id"))
    .order_by(Pase.enviado_en)
)


async def ver_recorrido(
    db: AsyncSession, expediente_id: uuid.UUID, por: Usuario, ahora: datetime
) -> tuple[list[Tramo], Tenencia]:
    """The route of an expediente, oldest first, and its custody now: one query (custody,
    with each of its pases and their desks' names joined, and the scope as a column). Out of
    scope the pases are not even read (the join asks the scope too): a refused RESERVADO costs
    what an unknown id costs, and gets its answer (`alcance.rechazo(copia=True)`)."""
    accion = "pase.ver_recorrido"
    parametros = {"expediente_id": expediente_id, **alcance.parametros(por)}
    rows = (await db.execute(_RECORRIDO, parametros)).all()
    if not rows:
        raise alcance.desconocido(por, accion, expediente_id)
    tenencia = rows[0].Tenencia
    if not rows[0].visible:
        raise alcance.rechazo(
            por, tenencia.caracter, accion, expediente_id, "ver su recorrido", copia=True
        )
    filas = [(row.Pase, row.origen, row.destino) for row in rows if row.Pase is not None]
    if context.parte_de.get() is None:  # else the composed detail's record covers it
        recurso = f"expediente/{expediente_id}"
        await audit.lectura(db, por, accion, recurso, expediente_id=expediente_id)
    return tramos(filas, tenencia, ahora), tenencia


MAX_TENENCIAS = 200


async def ver_tenencias(
    db: AsyncSession, expediente_ids: list[uuid.UUID], por: Usuario
) -> list[tuple[Tenencia, str | None]]:
    """Custody now of each of `expediente_ids` `por` may see, with its desk's name (those out
    of scope or unknown are simply absent: a listing's rows, not one file asked by id)."""
    if not expediente_ids:
        return []
    rows = (
        await db.execute(
            select(Tenencia, Mesa.nombre)
            .outerjoin(Mesa, Mesa.id == Tenencia.mesa_id)
            .where(
                Tenencia.expediente_id.in_(expediente_ids[:MAX_TENENCIAS]),
                alcance.filtro(por, Tenencia.mesas),
            )
        )
    ).all()
    if context.parte_de.get() is None:  # else the listing's own record covers it
        await audit.lectura(
            db, por, "pase.ver_tenencias", "tenencias", detalle={"expedientes": len(rows)}
        )
    return [(tenencia, nombre) for tenencia, nombre in rows]
