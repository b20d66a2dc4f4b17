"""/metrics tells what waits, read at scrape time from the real database and broker: the
outbox's backlog and the age of its oldest row, each queue's messages and consumers, and how
many deliveries were redeliveries."""

from __future__ import annotations

import uuid
from typing import ClassVar

import aio_pika
import httpx
from fastapi import FastAPI
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from sigexp_common import outbox
from sigexp_common.backlog import outbox_probe, queues_probe
from sigexp_common.broker import Broker
from sigexp_common.consumer import EventConsumer
from sigexp_common.db import transaction
from sigexp_common.envelope import Event
from sigexp_common.http import operations_router
from sigexp_common.relay import OutboxRelay
from sigexp_testing.waiting import wait_until


class Contado(Event):
    event_type: ClassVar[str] = "sigexp.prueba.contado.v1"
    valor: str


def _app(sessions: async_sessionmaker[AsyncSession], broker: Broker, queues: tuple[str, ...]):
    app = FastAPI()
    app.state.sessions, app.state.broker = sessions, broker
    app.include_router(operations_router({}, async_probes=(outbox_probe, queues_probe(queues))))
    return app


async def _scrape(app: FastAPI) -> str:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://prueba") as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    return response.text


async def test_metrics_muestra_el_atraso_del_outbox_y_la_edad_de_su_fila_mas_vieja(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], broker: Broker
) -> None:
    async with transaction(sessions) as session:
        for i in range(3):
            outbox.add(session, Contado(valor=str(i)))
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE outbox SET created_at = now() - interval '90 seconds'"))

    await _scrape(_app(sessions, broker, ()))

    assert REGISTRY.get_sample_value("sigexp_outbox_pending") == 3
    assert REGISTRY.get_sample_value("sigexp_outbox_oldest_pending_seconds") >= 90
    assert await OutboxRelay(sessions, broker, listen_dsn=None).publish_pending() == 3
    await _scrape(_app(sessions, broker, ()))
    assert REGISTRY.get_sample_value("sigexp_outbox_pending") == 0
    assert REGISTRY.get_sample_value("sigexp_outbox_oldest_pending_seconds") == 0


async def test_metrics_muestra_los_mensajes_y_consumidores_de_cada_cola(
    sessions: async_sessionmaker[AsyncSession], broker: Broker
) -> None:
    queue = f"prueba-{uuid.uuid4().hex[:8]}.events"
    connection = await aio_pika.connect(broker.url)
    async with connection:
        channel = await connection.channel()
        await channel.declare_queue(queue, auto_delete=False)
        for _ in range(4):
            await channel.default_exchange.publish(aio_pika.Message(b"x"), routing_key=queue)
        app = _app(sessions, broker, (queue, "no-existe.dlq"))

        async def cuatro() -> bool:
            await _scrape(app)
            return REGISTRY.get_sample_value("sigexp_queue_messages", {"queue": queue}) == 4

        await wait_until(cuatro, timeout=20)
        assert REGISTRY.get_sample_value("sigexp_queue_consumers", {"queue": queue}) == 0
        missing = REGISTRY.get_sample_value("sigexp_queue_messages", {"queue": "no-existe.dlq"})
        assert missing != missing, "a queue that cannot be read is NaN, not a number"
        await channel.queue_delete(queue)


async def test_una_entrega_repetida_cuenta_como_reentrega(
    sessions: async_sessionmaker[AsyncSession], broker: Broker, servicio: str
) -> None:
    fallos = {"quedan": 1}

    async def falla_una_vez(session: AsyncSession, evento: Contado) -> None:
        if fallos["quedan"]:
            fallos["quedan"] -= 1
            raise RuntimeError("una caída pasajera")

    antes = (
        REGISTRY.get_sample_value("sigexp_events_redelivered_total", {"type": Contado.event_type})
        or 0.0
    )
    consumer = EventConsumer(sessions, {Contado: falla_una_vez})
    await broker.consume(servicio, consumer.routing_keys, consumer.on_message, delivery_limit=5)
    async with transaction(sessions) as session:
        outbox.add(session, Contado(valor="otra vez"))
    await OutboxRelay(sessions, broker, listen_dsn=None).publish_pending()

    async def reentregado() -> bool:
        valor = REGISTRY.get_sample_value(
            "sigexp_events_redelivered_total", {"type": Contado.event_type}
        )
        return (valor or 0.0) >= antes + 1

    await wait_until(reentregado, timeout=30)
