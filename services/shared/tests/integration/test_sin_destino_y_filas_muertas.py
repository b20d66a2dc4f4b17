"""An event nobody binds is parked, not an error; a row that keeps failing dies visibly, never
holds back the rows behind it, and an operator's command gives it another chance."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import aio_pika
from aiormq import spec
from aiormq.exceptions import DeliveryError
from prometheus_client import REGISTRY
from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from sigexp_common import outbox
from sigexp_common.app import ServiceSpec
from sigexp_common.broker import UNROUTED, Broker, declare_events_exchange
from sigexp_common.cli import outbox_reintentar
from sigexp_common.db import transaction
from sigexp_common.envelope import Event
from sigexp_common.relay import OutboxRelay
from sigexp_common.settings import ServiceSettings
from sigexp_testing.infra import TestInfra


class SinConsumidor(Event):
    event_type: ClassVar[str] = "sigexp.prueba.sin_consumidor.v1"
    valor: str


class Escuchado(Event):
    event_type: ClassVar[str] = "sigexp.prueba.escuchado.v1"
    valor: str


async def _mensajes(queue: aio_pika.abc.AbstractQueue) -> list[str]:
    ids = []
    while (message := await queue.get(no_ack=True, fail=False, timeout=5)) is not None:
        ids.append(str(message.message_id))
    return ids


async def _publicar_con_y_sin_destino(
    amqp_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Commit one event nobody binds and one that a queue binds; one relay pass publishes
    both, the first lands in `sigexp.unrouted` and the second in its queue."""
    connection = await aio_pika.connect_robust(amqp_url)
    channel = await connection.channel()
    exchange = await declare_events_exchange(connection, channel)
    cola = await channel.declare_queue(exclusive=True)
    await cola.bind(exchange, Escuchado.event_type)
    async with transaction(sessions) as session:
        perdido = outbox.add(session, SinConsumidor(valor="nadie"))
        escuchado = outbox.add(session, Escuchado(valor="alguien"))

    broker = Broker(amqp_url)
    await broker.connect()
    try:
        assert await OutboxRelay(sessions, broker, None).publish_pending() == 2  # none stalls
    finally:
        await broker.close()
    aparcados = await channel.declare_queue(UNROUTED, passive=True)
    assert await _mensajes(aparcados) == [str(perdido.id)]
    assert await _mensajes(cola) == [str(escuchado.id)]
    await connection.close()


async def test_evento_sin_consumidor_queda_aparcado_en_un_broker_nuevo(
    infra: TestInfra, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _publicar_con_y_sin_destino(infra.amqp_vhost("aparcado-nuevo"), sessions)


async def test_evento_sin_consumidor_queda_aparcado_si_el_exchange_ya_existia_sin_argumentos(
    infra: TestInfra, sessions: async_sessionmaker[AsyncSession]
) -> None:
    url = infra.amqp_vhost("aparcado-existente")
    connection = await aio_pika.connect_robust(url)  # as every broker made before this change
    channel = await connection.channel()
    await channel.declare_exchange("sigexp.events", aio_pika.ExchangeType.TOPIC, durable=True)
    await connection.close()

    await _publicar_con_y_sin_destino(url, sessions)


class RelayQueElBrokerRechaza(OutboxRelay):
    """The broker nacks one event every time (as it would a message it cannot take)."""

    async def _publish(self, row: Row[Any]) -> None:
        if row.envelope["data"]["valor"] == "rechazado":
            raise DeliveryError(None, spec.Basic.Nack(delivery_tag=1))
        await super()._publish(row)


async def test_fila_que_siempre_falla_muere_sin_frenar_a_las_demas_y_se_reintenta_por_comando(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    broker: Broker,
    database_url: str,
    infra: TestInfra,
) -> None:
    async with transaction(sessions) as session:
        outbox.add(session, Escuchado(valor="rechazado"))
        for i in range(3):
            outbox.add(session, Escuchado(valor=f"sano-{i}"))
    relay = RelayQueElBrokerRechaza(sessions, broker, None, max_attempts=3, max_backoff_seconds=0.0)
    assert await relay.publish_pending() == 3  # the rows behind the failing one go out
    assert await relay.publish_pending() == 0
    assert await relay.publish_pending() == 0  # third failure: dead
    assert await relay.publish_pending() == 0  # no longer tried
    async with engine.connect() as conn:
        fila = (
            await conn.execute(
                text("SELECT attempts, dead_at, last_error FROM outbox WHERE published_at IS NULL")
            )
        ).one()
    assert fila.attempts == 3
    assert fila.dead_at is not None
    assert "DeliveryError" in fila.last_error
    assert REGISTRY.get_sample_value("sigexp_outbox_dead") == 1
    assert REGISTRY.get_sample_value("sigexp_outbox_pending") == 0

    servicio = ServiceSpec(
        name="prueba",
        settings=ServiceSettings(database_url=database_url, amqp_url=infra.amqp_url),
        migrations_dir=__file__,  # type: ignore[arg-type]
    )
    await asyncio.to_thread(
        outbox_reintentar, servicio, []
    )  # `python -m <service> outbox-reintentar`
    assert await OutboxRelay(sessions, broker, None).publish_pending() == 1
    assert await relay.count_pending() == 0
    assert REGISTRY.get_sample_value("sigexp_outbox_dead") == 0


async def test_con_el_broker_caido_el_relay_no_gasta_intentos(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], infra: TestInfra
) -> None:
    async with transaction(sessions) as session:
        outbox.add(session, Escuchado(valor="espera"))
    sin_conexion = Broker(infra.amqp_url)  # never connected: as during an outage
    relay = OutboxRelay(sessions, sin_conexion, None, max_attempts=1)
    assert await relay.publish_pending() == 0
    async with engine.connect() as conn:
        fila = (await conn.execute(text("SELECT attempts, dead_at FROM outbox"))).one()
    assert (fila.attempts, fila.dead_at) == (0, None)  # an outage never kills a row


class RelayLento(OutboxRelay):
    """Publishing takes until the test lets it go on."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.publicando = asyncio.Event()
        self.seguir = asyncio.Event()

    async def _publish(self, row: Row[Any]) -> None:
        self.publicando.set()
        await self.seguir.wait()
        await super()._publish(row)


async def test_mientras_el_broker_confirma_el_relay_no_retiene_bloqueos_de_filas(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], broker: Broker
) -> None:
    async with transaction(sessions) as session:
        outbox.add(session, Escuchado(valor="lento"))
    relay = RelayLento(sessions, broker, None)
    pasada = asyncio.create_task(relay.publish_pending())
    await asyncio.wait_for(relay.publicando.wait(), 10)
    async with engine.begin() as conn:  # NOWAIT: fails at once if the row were locked
        await conn.execute(text("SELECT id FROM outbox FOR UPDATE NOWAIT"))
    relay.seguir.set()
    assert await pasada == 1
