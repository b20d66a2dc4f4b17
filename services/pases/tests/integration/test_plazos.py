"""Plazos count business days over pases' copy of auth's holiday calendar, kept from the bus."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from fastapi import FastAPI
from sqlalchemy import select

from pases.models_mesa import Feriado
from pases.plazos import ZONA, vencimiento
from sigexp_common.broker import Broker
from sigexp_common.db import transaction
from sigexp_common.envelope import Envelope
from sigexp_testing.waiting import wait_until


def _un_jueves() -> date:
    """A Thursday of a year no other test uses (the database lives for the whole session)."""
    dia = date(random.randint(2040, 2190), random.randint(1, 12), 1)
    return dia + timedelta(days=(3 - dia.weekday()) % 7)


async def _feriado(bus: Broker, fecha: date, version: int, activo: bool = True) -> None:
    envelope = Envelope(
        source="/sigexp/auth",
        type="sigexp.feriado.actualizado.v1",
        subject=fecha.isoformat(),
        sequence=version,
        data={"fecha": fecha.isoformat(), "nombre": "Feriado de prueba", "activo": activo},
    )
    await bus.publish(envelope.to_bytes(), envelope.type, message_id=str(envelope.id))


async def _copia(app: FastAPI, fecha: date) -> Feriado | None:
    async with transaction(app.state.sessions) as db:
        return await db.scalar(select(Feriado).where(Feriado.fecha == fecha))


async def _vence(app: FastAPI, desde: datetime, dias: int) -> datetime:
    async with transaction(app.state.sessions) as db:
        return await vencimiento(db, desde, dias)


async def test_plazo_que_cruza_un_feriado_y_un_fin_de_semana_vence_al_final_del_dia_habil(
    servicio, bus
):
    app, _ = servicio
    jueves = _un_jueves()
    viernes = jueves + timedelta(days=1)
    await _feriado(bus, viernes, 1)
    await wait_until(lambda: _copia(app, viernes), timeout=10)
    enviado = datetime(jueves.year, jueves.month, jueves.day, 15, 0, tzinfo=ZONA)
    # Friday is a holiday, then the weekend: 1 business day = Monday, 2 = Tuesday.
    lunes, martes = jueves + timedelta(days=4), jueves + timedelta(days=5)
    vence = await _vence(app, enviado, 2)
    assert vence.astimezone(ZONA).date() == martes
    assert (vence.astimezone(ZONA).hour, vence.astimezone(ZONA).minute) == (23, 59)
    assert vence.tzinfo is not None
    assert vence.utcoffset() == timedelta(0)
    assert (await _vence(app, enviado, 1)).astimezone(ZONA).date() == lunes
    # Without the holiday the first business day would have been the Friday.
    assert (await _vence(app, enviado - timedelta(days=7), 1)).astimezone(ZONA).date() == (
        viernes - timedelta(days=7)
    )


async def test_el_dia_se_cuenta_en_la_hora_de_la_provincia(servicio):
    app, _ = servicio
    jueves = _un_jueves()
    # 23:30 on Thursday in the province is already Friday 02:30 in UTC: it counts from Thursday.
    enviado = datetime(jueves.year, jueves.month, jueves.day, 23, 30, tzinfo=ZONA).astimezone(UTC)
    assert enviado.date() == jueves + timedelta(days=1)
    assert (await _vence(app, enviado, 1)).astimezone(ZONA).date() == jueves + timedelta(days=1)


async def test_un_feriado_retirado_vuelve_a_contar_aunque_los_eventos_lleguen_desordenados(
    servicio, bus
):
    app, _ = servicio
    jueves = _un_jueves()
    viernes = jueves + timedelta(days=1)
    await _feriado(bus, viernes, 2, activo=False)  # withdrawn (version 2) arrives first
    await _feriado(bus, viernes, 1, activo=True)  # the older version must not win

    async def retirado() -> bool:
        copia = await _copia(app, viernes)
        return copia is not None and copia.version == 2

    await wait_until(retirado, timeout=10)
    await _feriado(bus, jueves - timedelta(days=1), 1)  # a later event: the first two are done
    await wait_until(lambda: _copia(app, jueves - timedelta(days=1)), timeout=10)
    copia = await _copia(app, viernes)
    assert copia is not None
    assert copia.activo is False
    enviado = datetime(jueves.year, jueves.month, jueves.day, 10, 0, tzinfo=ZONA)
    assert (await _vence(app, enviado, 1)).astimezone(ZONA).date() == viernes
