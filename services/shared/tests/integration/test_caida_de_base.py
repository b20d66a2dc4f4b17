"""A database that goes away and comes back loses nothing and poisons nothing.

The service reaches PostgreSQL through a TCP proxy that the test cuts (refusing new connections
and dropping open ones, as a restart does) and restores.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import ClassVar

import aio_pika
import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from sigexp_common import outbox
from sigexp_common.broker import Broker, declare_events_exchange
from sigexp_common.consumer import EventConsumer
from sigexp_common.db import Session, asyncpg_dsn, make_engine, make_sessionmaker, transaction
from sigexp_common.envelope import Envelope, Event
from sigexp_common.errors import install_error_handlers
from sigexp_common.relay import OutboxRelay
from sigexp_testing.infra import TestInfra, free_port
from sigexp_testing.tcp_proxy import TcpProxy
from sigexp_testing.waiting import wait_until


class Anotado(Event):
    event_type: ClassVar[str] = "sigexp.prueba.anotado.v1"
    valor: str


async def anotar(session: AsyncSession, evento: Anotado) -> None:
    await session.execute(
        text("INSERT INTO efectos (event_id, valor) VALUES (:id, :valor)"),
        {"id": evento.envelope.id, "valor": evento.valor},
    )


@pytest.fixture
async def proxy(database_url: str) -> AsyncIterator[TcpProxy]:
    url = make_url(database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432, free_port())
    await proxy.start()
    yield proxy
    await proxy.cut()


@pytest.fixture
async def por_el_proxy(
    database_url: str, proxy: TcpProxy
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    url = make_url(database_url).set(host="127.0.0.1", port=proxy.port)
    engine = make_engine(url.render_as_string(hide_password=False), pool_size=2)
    yield make_sessionmaker(engine, "prueba")
    await engine.dispose()


async def _valores(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return [r[0] for r in await conn.execute(text("SELECT valor FROM efectos ORDER BY valor"))]


async def test_consumidor_espera_a_la_base_sin_mandar_mensajes_a_la_dlq(
    engine: AsyncEngine,
    por_el_proxy: async_sessionmaker[AsyncSession],
    proxy: TcpProxy,
    broker: Broker,
    infra: TestInfra,
) -> None:
    servicio = f"caida-{uuid.uuid4().hex[:8]}"
    consumer = EventConsumer(por_el_proxy, {Anotado: anotar}, retry_seconds=0.2)
    await broker.consume(servicio, consumer.routing_keys, consumer.on_message, delivery_limit=2)

    await proxy.cut()
    for i in range(5):
        evento = Envelope(source="/sigexp/prueba", type=Anotado.event_type, data={"valor": f"v{i}"})
        await broker.publish(evento.to_bytes(), evento.type, message_id=str(evento.id))
    await asyncio.sleep(3)  # far longer than 2 redeliveries would take
    assert await _valores(engine) == []

    await proxy.start()

    async def todos() -> bool:
        return len(await _valores(engine)) == 5

    await wait_until(todos, timeout=60)
    connection = await aio_pika.connect_robust(infra.amqp_url)
    channel = await connection.channel()
    dlq = await channel.declare_queue(f"{servicio}.dlq", passive=True)
    assert dlq.declaration_result.message_count == 0
    assert await _valores(engine) == [f"v{i}" for i in range(5)]
    await connection.close()


async def test_relay_vuelve_a_publicar_cuando_la_base_vuelve(
    engine: AsyncEngine,
    por_el_proxy: async_sessionmaker[AsyncSession],
    proxy: TcpProxy,
    broker: Broker,
    infra: TestInfra,
    database_url: str,
) -> None:
    connection = await aio_pika.connect_robust(infra.amqp_url)
    channel = await connection.channel()
    exchange = await declare_events_exchange(connection, channel)
    cola = await channel.declare_queue(exclusive=True)
    await cola.bind(exchange, Anotado.event_type)
    proxy_dsn = asyncpg_dsn(
        make_url(database_url).set(port=proxy.port).render_as_string(hide_password=False)
    )
    relay = OutboxRelay(por_el_proxy, broker, proxy_dsn, poll_seconds=0.3)
    tarea = asyncio.create_task(relay.run())
    try:
        await proxy.cut()
        directas = make_sessionmaker(engine, "prueba")  # the service's own writes go on elsewhere
        async with transaction(directas) as session:
            enviado = outbox.add(session, Anotado(valor="escrito-durante-la-caida"))
        await asyncio.sleep(1.5)
        assert await cola.get(no_ack=True, fail=False) is None

        await proxy.start()
        recibido = None

        async def llego() -> bool:
            nonlocal recibido
            recibido = await cola.get(no_ack=True, fail=False)
            return recibido is not None

        await wait_until(llego, timeout=30)
        assert recibido is not None
        assert recibido.message_id == str(enviado.id)
    finally:
        tarea.cancel()
        await asyncio.gather(tarea, return_exceptions=True)
        await connection.close()


def _app_que_lee(sessions: async_sessionmaker[AsyncSession]) -> FastAPI:
    """A route reading through the request session, as every service's reads do."""
    app = FastAPI()
    install_error_handlers(app)
    app.state.sessions = sessions

    @app.get("/lectura")
    async def lectura(db: Session) -> dict[str, int]:
        return {"uno": int(await db.scalar(text("SELECT 1")) or 0)}

    return app


@contextlib.asynccontextmanager
async def _cliente(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://prueba") as client:
        yield client


async def _matar_conexiones(database_url: str) -> int:
    """What an operator's `pg_terminate_backend` (or a failover) does to a service's pool."""
    conexion = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        matadas = await conexion.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )

        async def se_fueron() -> bool:
            quedan = await conexion.fetchval(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            return bool(quedan == 0)

        await wait_until(se_fueron, timeout=10)
        return int(matadas)
    finally:
        await conexion.close()


async def test_tras_matar_las_conexiones_del_pool_el_siguiente_pedido_responde_bien(
    database_url: str,
) -> None:
    engine = make_engine(database_url, pool_size=4)
    try:
        async with _cliente(_app_que_lee(make_sessionmaker(engine, "prueba"))) as cliente:
            antes = await asyncio.gather(*(cliente.get("/lectura") for _ in range(4)))
            assert [r.status_code for r in antes] == [200] * 4  # several pooled connections
            assert await _matar_conexiones(database_url) >= 1

            despues = [await cliente.get("/lectura") for _ in range(6)]
        assert [r.status_code for r in despues] == [200] * 6
        assert despues[0].json() == {"uno": 1}
    finally:
        await engine.dispose()


async def test_con_la_base_inalcanzable_es_503_con_retry_after_y_vuelve_sola(
    por_el_proxy: async_sessionmaker[AsyncSession], proxy: TcpProxy
) -> None:
    async with _cliente(_app_que_lee(por_el_proxy)) as cliente:
        assert (await cliente.get("/lectura")).status_code == 200
        await proxy.cut()  # open connections dropped, new ones refused
        caida = [await cliente.get("/lectura") for _ in range(3)]
        await proxy.start()
        vuelta = await cliente.get("/lectura")
    assert [r.status_code for r in caida] == [503] * 3
    assert all(r.headers["retry-after"] == "1" for r in caida)
    assert caida[0].headers["content-type"] == "application/problem+json"
    assert "base de datos" in caida[0].json()["detail"]
    assert vuelta.status_code == 200
