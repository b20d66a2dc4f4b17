"""The hot reads cost one query each: the row, its custody copy, its desk's names and whether
the caller may see it come back together (round trips counted with SQLAlchemy's events and
asyncpg's query logger)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import event, text

from expedientes.main import build_spec
from expedientes.settings import Settings
from sigexp_common import context
from sigexp_testing.apps import running_app
from sigexp_testing.tokens import TokenFactory

DATOS = {"extracto": "Compra de insumos de oficina", "tomos": 1, "fojas": 3}


@asynccontextmanager
async def _sentencias(app: FastAPI) -> AsyncIterator[list[str]]:
    """Every statement the service sends to PostgreSQL meanwhile: SQLAlchemy's events see its
    statements, asyncpg's query logger those the search runs on the connection itself (and not
    SQLAlchemy's, which are prepared statements), so each is seen once."""
    vistas: list[str] = []

    def anotar(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        vistas.append(" ".join(statement.split()))

    def directa(consulta: Any) -> None:
        vistas.append(" ".join(consulta.query.split()))

    def al_tomar(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        record.driver_connection.add_query_logger(directa)

    def al_devolver(dbapi_connection: Any, record: Any) -> None:
        if record.driver_connection is not None:
            record.driver_connection.remove_query_logger(directa)

    motor = app.state.engine.sync_engine
    event.listen(motor, "before_cursor_execute", anotar)
    event.listen(motor.pool, "checkout", al_tomar)
    event.listen(motor.pool, "checkin", al_devolver)
    try:
        yield vistas
    finally:
        event.remove(motor, "before_cursor_execute", anotar)
        event.remove(motor.pool, "checkout", al_tomar)
        event.remove(motor.pool, "checkin", al_devolver)


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


async def test_una_referencia_se_busca_en_una_sola_consulta_con_sus_tres_niveles(
    servicio: tuple[FastAPI, httpx.AsyncClient], mesa
) -> None:
    """The file a referencia names, then the files whose words or documents mention it: one
    statement, best tier first, which joins the custody copy and the names of desk and
    organismo once, to the page (not in each of its three tiers)."""
    app, cliente = servicio
    nombrado = (
        await cliente.post("/api/v1/expedientes", json=DATOS, headers=mesa.headers())
    ).json()
    numero, anio = nombrado["numero"], nombrado["anio"]
    mencion = {**DATOS, "extracto": f"Respuesta al expediente {numero} de {anio}"}
    que_lo_menciona = (
        await cliente.post("/api/v1/expedientes", json=mencion, headers=mesa.headers())
    ).json()
    q = f"{numero}-{anio}"

    async with _sentencias(app) as vistas:
        respuesta = await cliente.get(
            "/api/v1/expedientes", params={"q": q}, headers=mesa.headers()
        )

    assert respuesta.status_code == 200, respuesta.text
    items = respuesta.json()["items"]
    assert [e["id"] for e in items] == [nombrado["id"], que_lo_menciona["id"]]
    (lectura,) = _lecturas(vistas)
    assert lectura.count("JOIN mesas") == lectura.count("JOIN organismos") == 1
    assert lectura.count("JOIN custodias") == 1  # the names: test_consulta_global


def _unida_despues_del_limite(sentencia: str) -> bool:
    """Whether `sentencia` joins the custody copy to rows already limited to the page."""
    return sentencia.index("JOIN custodias") > sentencia.index(" LIMIT ")


async def test_la_custodia_se_une_a_la_pagina_y_no_a_cada_coincidencia(
    servicio: tuple[FastAPI, httpx.AsyncClient], mesa
) -> None:
    """A page of words joins each row's custody copy after the LIMIT (PostgreSQL would join it
    to every match first, hundreds for a common word); a filter on the estado reads the copy,
    so there it is joined before, and the page is still right."""
    app, cliente = servicio
    palabra = f"pagina{uuid.uuid4().hex[:8]}"
    altas = [
        (
            await cliente.post(
                "/api/v1/expedientes",
                json={**DATOS, "extracto": f"Obra {palabra}"},
                headers=mesa.headers(),
            )
        ).json()
        for _ in range(3)
    ]
    autoridad = mesa.headers("AUTORIDAD")

    async def pagina(**params: object) -> tuple[list[str], list[str]]:
        async with _sentencias(app) as vistas:
            respuesta = await cliente.get("/api/v1/expedientes", params=params, headers=autoridad)
        assert respuesta.status_code == 200, respuesta.text
        return [e["id"] for e in respuesta.json()["items"]], _lecturas(vistas)

    ids, (lectura,) = await pagina(q=palabra, limit=2)
    assert ids == [a["id"] for a in reversed(altas)][:2]
    assert lectura.count("JOIN custodias") == 1
    assert _unida_despues_del_limite(lectura)

    ids, lecturas = await pagina(q=palabra, estado="EN_TRAMITE")
    assert ids == [a["id"] for a in reversed(altas)]
    assert not any(_unida_despues_del_limite(s) for s in lecturas)


@asynccontextmanager
async def _en_el_cable(app: FastAPI, request_id: str) -> AsyncIterator[list[str]]:
    """Every statement the request `request_id` sends to PostgreSQL on the pool's connections,
    BEGIN and COMMIT included: SQLAlchemy's events see the statements, asyncpg's query logger
    the transaction's own (its prepared statements it does not log). Both run in the context
    of the query's task: the request id tells the request's from the relay's, which polls
    meanwhile."""
    vistas: list[str] = []

    def anotar(consulta: Any) -> None:
        if context.request_id.get() == request_id:
            vistas.append(" ".join(consulta.query.split()))

    def sentencia(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if context.request_id.get() == request_id:
            vistas.append(" ".join(statement.split()))

    def al_tomar(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        record.driver_connection.add_query_logger(anotar)

    def al_devolver(dbapi_connection: Any, record: Any) -> None:
        if record.driver_connection is not None:
            record.driver_connection.remove_query_logger(anotar)

    motor = app.state.engine.sync_engine
    event.listen(motor, "before_cursor_execute", sentencia)
    event.listen(motor.pool, "checkout", al_tomar)
    event.listen(motor.pool, "checkin", al_devolver)
    try:
        yield vistas
    finally:
        event.remove(motor, "before_cursor_execute", sentencia)
        event.remove(motor.pool, "checkout", al_tomar)
        event.remove(motor.pool, "checkin", al_devolver)


async def test_una_lectura_auditada_es_un_solo_viaje_a_la_base_sin_begin_ni_commit(
    servicio: tuple[FastAPI, httpx.AsyncClient], mesa, otra_mesa
) -> None:
    app, cliente = servicio
    alta = await cliente.post("/api/v1/expedientes", json=DATOS, headers=mesa.headers())
    url = f"/api/v1/expedientes/{alta.json()['id']}"
    listado = "/api/v1/expedientes?limit=2"

    viajes = {}
    for nombre, ruta, quien in (("detalle", url, mesa), ("listado", listado, mesa)):
        rid = f"viajes-{uuid.uuid4()}"
        async with _en_el_cable(app, rid) as vistas:
            respuesta = await cliente.get(ruta, headers={**quien.headers(), "X-Request-ID": rid})
        assert respuesta.status_code == 200, respuesta.text
        viajes[nombre] = vistas

    # The read is its one SELECT; its audit record went to the group commit's own connection.
    assert [v.split()[0] for v in viajes["detalle"]] == ["SELECT"], viajes["detalle"]
    assert [v.split()[0] for v in viajes["listado"]] == ["SELECT"], viajes["listado"]
    registrados = await _registros_de_lectura(app, alta.json()["id"])
    assert registrados == 1


async def test_un_rechazo_de_lectura_guarda_su_registro_en_un_solo_insert(
    servicio: tuple[FastAPI, httpx.AsyncClient], mesa, otra_mesa
) -> None:
    app, cliente = servicio
    alta = await cliente.post("/api/v1/expedientes", json=DATOS, headers=mesa.headers())
    rid = f"viajes-{uuid.uuid4()}"
    async with _en_el_cable(app, rid) as vistas:
        respuesta = await cliente.get(
            f"/api/v1/expedientes/{alta.json()['id']}",
            headers={**otra_mesa.headers(), "X-Request-ID": rid},
        )

    assert respuesta.status_code == 403  # out of the other desk's scope
    assert [v.split()[0] for v in vistas] == ["SELECT", "INSERT"], vistas
    assert "INTO outbox" in vistas[1]
    async with app.state.engine.connect() as conexion:
        rechazos = await conexion.scalar(
            text(
                "SELECT count(*) FROM outbox WHERE envelope->'data'->>'expediente_id' = :id "
                "AND envelope->'data'->>'resultado' = 'DENEGADO'"
            ),
            {"id": alta.json()["id"]},
        )
    assert rechazos == 1


async def _registros_de_lectura(app: FastAPI, expediente_id: str) -> int:
    async with app.state.engine.connect() as conexion:
        return int(
            await conexion.scalar(
                text(
                    "SELECT count(*) FROM outbox WHERE envelope->'data'->>'expediente_id' = :id "
                    "AND envelope->'data'->>'accion' = 'expediente.ver'"
                ),
                {"id": expediente_id},
            )
            or 0
        )


async def test_las_lecturas_que_esperan_su_registro_no_retienen_conexiones_del_pool(
    settings: Settings, tokens: TokenFactory, mesa
) -> None:
    """A read waits for its record's group commit without its connection: 12 reads waiting
    300 ms for company hold none, instead of 12 (with a pool of 10, each one past it was a
    new PostgreSQL backend opened and closed per request)."""
    lento = settings.model_copy(update={"audit_batch_max_wait_ms": 300})
    async with running_app(build_spec(lento), verifier=tokens.verifier()) as (app, cliente):
        alta = await cliente.post("/api/v1/expedientes", json=DATOS, headers=mesa.headers())
        url = f"/api/v1/expedientes/{alta.json()['id']}"
        pool, lote = app.state.engine.sync_engine.pool, app.state.audit_batcher
        lecturas = asyncio.gather(*(cliente.get(url, headers=mesa.headers()) for _ in range(12)))
        tomadas = []  # connections checked out while all 12 wait for their batch
        while not lecturas.done():
            if lote.waiting == 12:
                tomadas.append(pool.checkedout())
            await asyncio.sleep(0.01)
        respuestas = await lecturas

    assert [r.status_code for r in respuestas] == [200] * 12
    assert tomadas, "the 12 records never waited together"
    assert max(tomadas) <= 1, tomadas  # the relay may hold one meanwhile
