"""Plazos in business days: weekends and the holidays of the calendar (pases' copy of auth's,
`models_mesa.Feriado`) do not count; calendar days are those of the province's time zone.

A pase sent on day D with a plazo of N business days is due at the end (23:59:59.999999,
local time) of the N-th business day after D; it is overdue once that instant has passed and
it has not been received.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pases.models_mesa import Feriado

ZONA = ZoneInfo("America/Argentina/Buenos_Aires")
SABADO = 5


def es_habil(dia: date, feriados: Collection[date]) -> bool:
    return dia.weekday() < SABADO and dia not in feriados


def sumar_dias_habiles(dia: date, dias_habiles: int, feriados: Collection[date]) -> date:
    """The `dias_habiles`-th business day after `dia` (`dia` itself when 0)."""
    actual, faltan = dia, dias_habiles
    while faltan > 0:
        actual += timedelta(days=1)
        if es_habil(actual, feriados):
            faltan -= 1
    return actual


async def feriados_entre(db: AsyncSession, desde: date, hasta: date) -> set[date]:
    filas = await db.scalars(
        select(Feriado.fecha).where(
            Feriado.activo.is_(True), Feriado.fecha > desde, Feriado.fecha <= hasta
        )
    )
    return set(filas)


async def vencimiento(db: AsyncSession, desde: datetime, dias_habiles: int) -> datetime:
    """When a plazo of `dias_habiles` business days that starts at `desde` ends (UTC)."""
    if dias_habiles < 0:
        raise ValueError("dias_habiles must not be negative")
    dia = desde.astimezone(ZONA).date()
    # Enough calendar days for the business days asked for, with holidays in between; if the
    # holidays of the window push the end past it, look again over a longer window.
    ventana = dias_habiles * 2 + 10
    while True:
        hasta = dia + timedelta(days=ventana)
        fin = sumar_dias_habiles(dia, dias_habiles, await feriados_entre(db, dia, hasta))
        if fin <= hasta:
            break
        ventana *= 2
    fin_del_dia = datetime.combine(fin, time.max, tzinfo=ZONA)
    return fin_del_dia.astimezone(ZoneInfo("UTC"))
