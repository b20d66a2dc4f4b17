"""Commit, then refuse: a refusal made by `audit.denegar` leaves its audit record committed (and
published) before the error is answered, and refusing a forbidden resource does the same
database work as refusing a missing one. A tiny app over the real PostgreSQL and RabbitMQ."""

from __future__ import annotations

import json
import statistics
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aio_pika
import httpx
import pytest
from fastapi import APIRouter, FastAPI
from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from sigexp_common import audit
from sigexp_common.broker import Broker, declare_events_exchange
from sigexp_common.db import Session
from sigexp_common.errors import Conflicto, NoEncontrado, install_error_handlers
from sigexp_common.http import install_request_context
from sigexp_common.idempotency import IdempotentRoute
from sigexp_common.messaging_tables import OutboxMessage
from sigexp_common.relay import OutboxRelay
from sigexp_common.security import Perfil, Usuario
from sigexp_testing.infra import TestInfra
from sigexp_testing.tokens import TokenFactory

POR = Usuario(uuid.uuid4(), "mesa.prueba", Perfil.MESA_ENTRADA, None, None, None, False)
NO_EXISTE = "No existe esa cosa."

GATEWAY = "secreto-del-gateway-de-prueba"
DESDE_EL_GATEWAY = {"X-Forwarded-For": "203.0.113.9", "X-Sigexp-Gateway": GATEWAY}


async def _ver_cosa(db: AsyncSession, cosa_id: uuid.UUID) -> dict[str, Any]:
    fila = (
        await db.execute(text("SELECT id, reservada FROM cosas WHERE id = :id"), {"id": cosa_id})
    ).first()
    if fila is None or fila.reservada:  # out of scope answers exactly like missing
        raise audit.denegar(NoEncontrado(NO_EXISTE), POR, "cosa.ver", f"cosa/{cosa_id}")
    audit.registrar(db, POR, "cosa.ver", f"cosa/{cosa_id}")
    return {"id": str(fila.id)}


def _app(sessions: async_sessionmaker[AsyncSession], tokens: TokenFactory) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    install_request_context(app, gateway_secret=GATEWAY)
    app.state.sessions = sessions
    app.state.verifier = tokens.verifier()
    router = APIRouter(route_class=IdempotentRoute)

    @router.get("/cosas/{cosa_id}")
    async def ver(cosa_id: uuid.UUID, db: Session) -> dict[str, Any]:
        return await _ver_cosa(db, cosa_id)

    @router.post("/cosas/{cosa_id}", status_code=201)
    async def alta_que_se_niega(cosa_id: uuid.UUID, db: Session, conservar: bool = False) -> None:
        await db.execute(text("INSERT INTO cosas VALUES (:id, false)"), {"id": cosa_id})
        raise audit.denegar(
            Conflicto("No se puede."), POR, "cosa.crear", f"cosa/{cosa_id}", conservar=conservar
        )

    app.include_router(router)
    return app


@pytest.fixture
async def cliente(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], tokens: TokenFactory
) -> AsyncIterator[httpx.AsyncClient]:
    async with engine.begin() as conn:
        await conn.execute(text("DROP TABLE IF EXISTS cosas"))
        await conn.execute(text("CREATE TABLE cosas (id uuid PRIMARY KEY, reservada bool)"))
    transport = httpx.ASGITransport(app=_app(sessions, tokens))
    async with httpx.AsyncClient(transport=transport, base_url="http://prueba") as client:
        yield client


async def _espia(url: str) -> tuple[aio_pika.abc.AbstractConnection, aio_pika.abc.AbstractQueue]:
    connection = await aio_pika.connect(url)
    channel = await connection.channel()
    exchange = await declare_events_exchange(connection, channel)
    queue = await channel.declare_queue(exclusive=True)
    await queue.bind(exchange, audit.AccesoRegistrado.event_type)
    return connection, queue


async def _registros(engine: AsyncEngine, accion: str) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        filas = await conn.scalars(select(OutboxMessage.envelope))
        return [e["data"] for e in filas if e["data"]["accion"] == accion]


async def _cosas(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT count(*) FROM cosas"))).scalar_one())


async def test_un_acceso_denegado_deja_su_registro_confirmado_y_publicado(
    cliente: httpx.AsyncClient,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    broker: Broker,
    infra: TestInfra,
) -> None:
    conexion, cola = await _espia(infra.amqp_url)
    cosa_id = uuid.uuid4()
    r = await cliente.get(f"/cosas/{cosa_id}", headers=DESDE_EL_GATEWAY)
    assert r.status_code == 404
    assert r.json()["detail"] == NO_EXISTE
    # Committed before the answer left: another connection already sees it.
    [registro] = await _registros(engine, "cosa.ver")
    assert registro["resultado"] == audit.DENEGADO
    assert registro["recurso"] == f"cosa/{cosa_id}"
    assert registro["ip"] == "203.0.113.9"
    assert registro["detalle"] == {"motivo": "no-encontrado", "estado": 404}

    assert await OutboxRelay(sessions, broker, listen_dsn=None).publish_pending() == 1
    mensaje = await cola.get(timeout=5)
    assert json.loads(mensaje.body)["data"]["resultado"] == audit.DENEGADO
    await conexion.close()


async def test_una_negativa_revierte_lo_escrito_salvo_que_diga_conservarlo(
    cliente: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    r = await cliente.post(f"/cosas/{uuid.uuid4()}")
    assert r.status_code == 409
    assert await _cosas(engine) == 0, "half a change never commits with a refusal"
    r = await cliente.post(f"/cosas/{uuid.uuid4()}", params={"conservar": True})
    assert r.status_code == 409
    assert await _cosas(engine) == 1, "a refusal that keeps its work (a failed login) keeps it"
    assert [d["resultado"] for d in await _registros(engine, "cosa.crear")] == [audit.DENEGADO] * 2


async def test_una_negativa_con_idempotency_key_no_deja_la_clave_tomada(
    cliente: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    headers = {"Authorization": f"Bearer {tokens.token()}", "Idempotency-Key": str(uuid.uuid4())}
    cosa = f"/cosas/{uuid.uuid4()}"
    primera = await cliente.post(cosa, headers=headers)
    otra_vez = await cliente.post(cosa, headers=headers)
    assert primera.status_code == otra_vez.status_code == 409
    assert otra_vez.json()["detail"] == "No se puede.", "the retry ran again, not 'in progress'"


class _Sentencias:
    """Every statement, commit and rollback the engine sends, in order."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.vistas: list[str] = []
        sync = engine.sync_engine
        event.listen(sync, "before_cursor_execute", self._sentencia)
        event.listen(sync, "commit", lambda conn: self.vistas.append("COMMIT"))
        event.listen(sync, "rollback", lambda conn: self.vistas.append("ROLLBACK"))

    def _sentencia(self, conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        self.vistas.append(sql)

    def tomar(self) -> list[str]:
        vistas, self.vistas = self.vistas, []
        return vistas


async def test_negar_lo_reservado_y_lo_inexistente_hace_el_mismo_trabajo(
    cliente: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    reservada = uuid.uuid4()
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO cosas VALUES (:id, true)"), {"id": reservada})
    await cliente.get(f"/cosas/{reservada}")  # warm the pool and the statement caches
    sentencias = _Sentencias(engine)
    tiempos: dict[str, list[float]] = {"reservada": [], "inexistente": []}
    trabajo: dict[str, list[str]] = {}
    for _ in range(30):  # interleaved, so the machine's load falls on both alike
        for caso, cosa_id in (("reservada", reservada), ("inexistente", uuid.uuid4())):
            inicio = time.perf_counter()
            r = await cliente.get(f"/cosas/{cosa_id}")
            tiempos[caso].append(time.perf_counter() - inicio)
            assert (r.status_code, r.json()["detail"]) == (404, NO_EXISTE)
            trabajo[caso] = sentencias.tomar()
    assert trabajo["reservada"] == trabajo["inexistente"]
    assert "COMMIT" in trabajo["reservada"]
    medianas = {caso: statistics.median(t) * 1000 for caso, t in tiempos.items()}
    print(
        f"\n{len(trabajo['reservada'])} database round trips each; median refusal "
        f"{medianas['reservada']:.2f} ms (reserved) vs {medianas['inexistente']:.2f} ms (missing)"
    )
