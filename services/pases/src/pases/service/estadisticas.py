"""Desk statistics over a period: files held, pending arrivals, dwell time (median and 90th
percentile, computed by PostgreSQL's percentile_cont), overdue pases, stuck files, and pases
sent and received per week. For the user's desk; AUTORIDAD and ADMIN choose a desk, an
organismo, or the whole province."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from pases.copias import Mesa
from pases.models import PENDIENTE, RECIBIDO, Pase, Tenencia
from pases.plazos import ZONA
from pases.schemas_mesa import EstadisticasOut, Semana
from pases.service.mesa import mesa_de
from sigexp_common import audit
from sigexp_common.envelope import utcnow
from sigexp_common.errors import CampoInvalido, DatoInvalido, SinPermiso
from sigexp_common.security import Usuario

ACCION = "mesa.estadisticas"
PERIODO_POR_DEFECTO = timedelta(days=30)
PERIODO_MAXIMO = timedelta(days=366 * 2)


@dataclass(frozen=True)
class Periodo:
    desde: datetime
    hasta: datetime

    @classmethod
    def de(cls, desde: datetime | None, hasta: datetime | None) -> Periodo:
        """A period in UTC; a time without zone is the province's; by default the last 30 days."""

        def con_zona(valor: datetime | None) -> datetime | None:
            if valor is None or valor.tzinfo is not None:
                return valor
            return valor.replace(tzinfo=ZONA)

        fin = con_zona(hasta) or utcnow()
        inicio = con_zona(desde) or fin - PERIODO_POR_DEFECTO
        if inicio >= fin:
            raise DatoInvalido(
                "El período no es válido.",
                [CampoInvalido("desde", "Debe ser anterior a «hasta».")],
            )
        if fin - inicio > PERIODO_MAXIMO:
            raise DatoInvalido(
                "El período no es válido.",
                [CampoInvalido("desde", "El período puede abarcar como máximo dos años.")],
            )
        return cls(inicio, fin)


def _alcance(
    por: Usuario, mesa_id: uuid.UUID | None, organismo_id: uuid.UUID | None
) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """Which desk or organismo the figures are about (None, None: every desk)."""
    if por.ve_todo:
        return mesa_id, organismo_id
    if organismo_id is not None:
        raise audit.denegar(
            SinPermiso("Solo AUTORIDAD y ADMIN consultan las estadísticas de un organismo."),
            por,
            ACCION,
            f"organismo/{organismo_id}",
        )
    return mesa_de(por, mesa_id, ACCION), None


def _en(
    columna: Any, mesa_id: uuid.UUID | None, organismo_id: uuid.UUID | None
) -> ColumnElement[bool]:
    """`columna` (a desk id) is one of the desks asked about."""
    condiciones: list[ColumnElement[bool]] = []
    if mesa_id is not None:
        condiciones.append(columna == mesa_id)
    if organismo_id is not None:
        condiciones.append(columna.in_(select(Mesa.id).where(Mesa.organismo_id == organismo_id)))
    return and_(true(), *condiciones)


async def _permanencias(
    db: AsyncSession, periodo: Periodo, en_destino: ColumnElement[bool]
) -> tuple[float | None, float | None, int]:
    """Stays that ended within the period: from a pase's reception at a desk until that desk
    sent the expediente on (a later pase that was not rejected nor reverted)."""
    siguiente = aliased(Pase)
    fin = (
        select(func.min(siguiente.enviado_en))
        .where(
            siguiente.expediente_id == Pase.expediente_id,
            siguiente.mesa_origen_id == Pase.mesa_destino_id,
            siguiente.enviado_en >= Pase.recibido_en,
            siguiente.estado.in_((PENDIENTE, RECIBIDO)),
        )
        .correlate(Pase)
        .scalar_subquery()
    )
    estadias = (
        select(Pase.recibido_en.label("inicio"), fin.label("fin"))
        .where(Pase.estado == RECIBIDO, en_destino)
        .subquery()
    )
    segundos = func.extract("epoch", estadias.c.fin - estadias.c.inicio)
    fila = (
        await db.execute(
            select(
                func.percentile_cont(0.5).within_group(segundos),
                func.percentile_cont(0.9).within_group(segundos),
                func.count(),
            ).where(estadias.c.fin >= periodo.desde, estadias.c.fin < periodo.hasta)
        )
    ).one()
    mediana, p90, n = fila
    return (
        None if mediana is None else float(mediana),
        None if p90 is None else float(p90),
        int(n),
    )


async def _por_semana(
    db: AsyncSession, columna: Any, periodo: Periodo, condicion: ColumnElement[bool]
) -> dict[date, int]:
    semana = func.date_trunc("week", func.timezone(str(ZONA), columna))
    filas = await db.execute(
        select(semana, func.count())
        .where(condicion, columna >= periodo.desde, columna < periodo.hasta)
        .group_by(semana)
    )
    return {inicio.date(): int(n) for inicio, n in filas.tuples()}


def _semanas(periodo: Periodo) -> list[date]:
    """Every week (its Monday, province's calendar) the period touches."""
    primero = periodo.desde.astimezone(ZONA).date()
    ultimo = periodo.hasta.astimezone(ZONA).date()
    lunes = primero - timedelta(days=primero.weekday())
    semanas = []
    while lunes <= ultimo:
        semanas.append(lunes)
        lunes += timedelta(days=7)
    return semanas


async def de_la_mesa(
    db: AsyncSession,
    por: Usuario,
    periodo: Periodo,
    *,
    mesa_id: uuid.UUID | None,
    organismo_id: uuid.UUID | None,
    estancados_dias: int,
) -> EstadisticasOut:
    mesa_id, organismo_id = _alcance(por, mesa_id, organismo_id)
    ahora = utcnow()
    tiene = _en(Tenencia.mesa_id, mesa_id, organismo_id)
    hacia = _en(Pase.mesa_destino_id, mesa_id, organismo_id)
    desde_alli = _en(Pase.mesa_origen_id, mesa_id, organismo_id)
    en_poder, estancados = (
        await db.execute(
            select(
                func.count(),
                func.count().filter(Tenencia.desde < ahora - timedelta(days=estancados_dias)),
            ).where(tiene, Tenencia.en_transito.is_(False))
        )
    ).one()
    pendientes, vencidos = (
        await db.execute(
            select(func.count(), func.count().filter(Pase.vence_en < ahora)).where(
                hacia, Pase.estado == PENDIENTE
            )
        )
    ).one()
    mediana, p90, medidas = await _permanencias(db, periodo, hacia)
    enviados = await _por_semana(db, Pase.enviado_en, periodo, desde_alli)
    recibidos = await _por_semana(db, Pase.recibido_en, periodo, hacia)
    resultado = EstadisticasOut(
        desde=periodo.desde,
        hasta=periodo.hasta,
        mesa_id=mesa_id,
        organismo_id=organismo_id,
        en_poder=en_poder,
        pendientes_de_recibir=pendientes,
        permanencia_mediana_segundos=mediana,
        permanencia_p90_segundos=p90,
        permanencias_medidas=medidas,
        vencidos=vencidos,
        estancados=estancados,
        estancados_dias=estancados_dias,
        por_semana=[
            Semana(semana=s, enviados=enviados.get(s, 0), recibidos=recibidos.get(s, 0))
            for s in _semanas(periodo)
        ],
    )
    recurso = (
        f"mesa/{mesa_id}" if mesa_id else f"organismo/{organismo_id}" if organismo_id else "mesas"
    )
    await audit.lectura(db, por, ACCION, recurso)
    return resultado
