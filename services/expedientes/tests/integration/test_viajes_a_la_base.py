"""The hot reads cost one query each: the row, its custody copy, its desk's names and whether
the caller may see it come back together (round trips counted with SQLAlchemy's events)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import event

DATOS = {"extracto": "Compra de insumos de oficina", "tomos": 1, "fojas": 3}


@asynccontextmanager
async def _sentencias(app: FastAPI) -> AsyncIterator[list[str]]:
    """Every statement the service sends to PostgreSQL meanwhile."""
    vistas: list[str] = []

    def anotar(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        vistas.append(" ".join(statement.split()))

    motor = app.state.engine.sync_engine
    event.listen(motor, "before_cursor_execute", anotar)
    try:
        yield vistas
    finally:
        event.remove(motor, "before_cursor_execute", anotar)


MENSAJERIA = ("outbox", "inbox")  # the relay polls meanwhile, on its own connection


def _lecturas(sentencias: list[str]) -> list[str]:
    """The request's reads among them (the audit record's write is not their business)."""
    return [s for s in sentencias if s.startswith("SELECT") and not any(t in s for t in MENSAJERIA)]


async def _contar(app: FastAPI, pedido: Callable[[], Awaitable[httpx.Response]]) -> list[str]:
    async with _sentencias(app) as vistas:
        respuesta = await pedido()
    assert respuesta.status_code in (200, 403, 404), respuesta.text
    return _lecturas(vistas)


async def test_el_detalle_se_lee_en_una_sola_consulta_con_su_alcance(
    servicio: tuple[FastAPI, httpx.AsyncClient], mesa, otra_mesa
) -> None:
    app, cliente = servicio
    alta = await cliente.post("/api/v1/expedientes", json=DATOS, headers=mesa.headers())
    url = f"/api/v1/expedientes/{alta.json()['id']}"

    propia = await _contar(app, lambda: cliente.get(url, headers=mesa.headers()))
    ajena = await _contar(app, lambda: cliente.get(url, headers=otra_mesa.headers()))

    assert len(propia) == 1
    assert "JOIN custodias" in propia[0]
    assert "JOIN mesas" in propia[0]  # and the names of its desk
    assert len(ajena) == 1  # the refusal needs no second look either


async def test_el_listado_se_lee_en_una_sola_consulta(
    servicio: tuple[FastAPI, httpx.AsyncClient], mesa
) -> None:
    app, cliente = servicio
    for _ in range(3):
        await cliente.post("/api/v1/expedientes", json=DATOS, headers=mesa.headers())

    lecturas = await _contar(
        app, lambda: cliente.get("/api/v1/expedientes", params={"limit": 2}, headers=mesa.headers())
    )

    assert len(lecturas) == 1
