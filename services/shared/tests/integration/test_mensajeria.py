"""The messaging guarantees, against a real PostgreSQL and a real RabbitMQ.

An event is published iff its transaction committed; consumed once in effect; a poison message
ends in the dead-letter queue while the rest keep flowing; relays never publish a row twice in
one pass; a broker outage loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, ClassVar

import aio_pika
import pytest
from sqlalchemy import Row, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from sigexp_common import outbox
from sigexp_common.broker import Broker, declare_events_exchange
from sigexp_common.consumer import EventConsumer
from sigexp_common.db import make_engine, make_sessionmaker, transaction
from sigexp_common.envelope import Event
from sigexp_common.messaging_tables import OutboxMessage
from sigexp_common.relay import OutboxRelay
from sigexp_testing.infra import TestInfra
from sigexp_testing.private_broker import PrivateBroker
from sigexp_testing.waiting import wait_until


class Ocurrido(Event):
    """A test event: its effect is a row in `efectos`."""

    event_type: ClassVar[str] = "sigexp.prueba.ocurrido.v1"
    valor: str

    def subject(self) -> str | None:
        return self.valor


async def registrar_efecto(session: AsyncSession, evento: Ocurrido) -> None:
    if evento.valor.startswith("veneno"):
        raise ValueError("mensaje envenenado")
    await session.execute(
        text("INSERT INTO efectos (event_id, valor) VALUES (:id, :valor)"),
        {"id": evento.envelope.id, "valor": evento.valor},
    )


async def efectos(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT valor FROM efectos ORDER BY valor"))
        return [row[0] for row in rows]


async def espia(
    url: str, routing_key: str
) -> tuple[aio_pika.abc.AbstractRobustConnection, aio_pika.abc.AbstractQueue]:
    """An exclusive queue bound to `routing_key` that sees every copy the exchange routes."""
    connection = await aio_pika.connect_robust(url)
    channel = await connection.channel()
    exchange = await declare_events_exchange(connection, channel)
    queue = await channel.declare_queue(exclusive=True)
    await queue.bind(exchange, routing_key)
    return connection, queue


async def contar(queue: aio_pika.abc.AbstractQueue, settle: float = 1.0) -> list[str]:
    """Message ids in `queue`, read until nothing more arrives for `settle` seconds."""
    ids: list[str] = []
    idle = 0.0
    while idle < settle:
        message = await queue.get(no_ack=True, fail=False)
        if message is None:
            await asyncio.sleep(0.1)
            idle += 0.1
        else:
            ids.append(str(message.message_id))
            idle = 0.0
    return ids


TIPO = Ocurrido.event_type


class RelayMuerto(BaseException):
    """Stands for the relay process dying: nothing in the relay can catch it."""


class RelayQueMuereTrasPublicar(OutboxRelay):
    """Publishes a row, then dies before the row is marked as published."""

    async def _publish(self, row: Row[Any]) -> None:
        await super()._publish(row)
        raise RelayMuerto


async def consumir(
    broker: Broker, sessions: async_sessionmaker[AsyncSession], servicio: str
) -> None:
    consumer = EventConsumer(sessions, {Ocurrido: registrar_efecto})
    await broker.consume(servicio, consumer.routing_keys, consumer.on_message, delivery_limit=3)


async def publicados(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        query = (
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.published_at.is_not(None))
        )
        return int((await conn.execute(query)).scalar_one())


async def test_transaccion_revertida_no_publica_nada(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    broker: Broker,
    infra: TestInfra,
) -> None:
    conexion, cola = await espia(infra.amqp_url, TIPO)
    with contextlib.suppress(ZeroDivisionError):
        async with transaction(sessions) as session:
            outbox.add(session, Ocurrido(valor="revertido"))
            await session.flush()
            _ = 1 / 0  # the use case fails after writing its event

    relay = OutboxRelay(sessions, broker, listen_dsn=None)
    assert await relay.publish_pending() == 0
    assert await contar(cola) == []
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM outbox"))).scalar_one() == 0
    await conexion.close()


async def test_transaccion_confirmada_se_publica_exactamente_una_vez(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    broker: Broker,
    infra: TestInfra,
) -> None:
    conexion, cola = await espia(infra.amqp_url, TIPO)
    async with transaction(sessions) as session:
        enviado = outbox.add(session, Ocurrido(valor="confirmado"))

    relay = OutboxRelay(sessions, broker, listen_dsn=None)
    assert await relay.publish_pending() == 1
    assert await relay.publish_pending() == 0  # marked: a later pass does not send it again
    assert await contar(cola) == [str(enviado.id)]
    assert await publicados(engine) == 1
    await conexion.close()


async def test_confirmada_publica_y_un_relay_que_muere_antes_de_marcar_no_duplica_el_efecto(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    broker: Broker,
    infra: TestInfra,
    servicio: str,
) -> None:
    conexion, cola = await espia(infra.amqp_url, TIPO)
    await consumir(broker, sessions, servicio)
    async with transaction(sessions) as session:
        enviado = outbox.add(session, Ocurrido(valor="una-vez"))

    arrendado = {"lease_seconds": 0.5, "publish_timeout": 0.2}
    with pytest.raises(RelayMuerto):
        await RelayQueMuereTrasPublicar(sessions, broker, None, **arrendado).publish_pending()
    assert await publicados(engine) == 0  # the row was not marked: it will be sent again
    relay = OutboxRelay(sessions, broker, listen_dsn=None, **arrendado)
    assert await relay.publish_pending() == 0  # ... once the dead relay's lease has ended
    await asyncio.sleep(0.6)
    assert await relay.publish_pending() == 1

    assert await contar(cola) == [str(enviado.id), str(enviado.id)]  # two copies on the bus
    await wait_until(lambda: _hay(engine, 1))
    await asyncio.sleep(1.0)  # give the duplicate time to be (not) applied
    assert await efectos(engine) == ["una-vez"]  # ... and one effect
    await conexion.close()


async def _hay(engine: AsyncEngine, n: int) -> bool:
    return len(await efectos(engine)) >= n


async def test_con_el_broker_detenido_los_commits_siguen_y_los_eventos_llegan_al_volver(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    broker_propio: PrivateBroker,
    servicio: str,
) -> None:
    broker = Broker(broker_propio.amqp_url, prefetch=8)
    await broker.connect()
    await consumir(broker, sessions, servicio)
    relay = OutboxRelay(
        sessions, broker, listen_dsn=_dsn(engine), poll_seconds=0.5, max_backoff_seconds=1.0
    )
    relay_task = asyncio.create_task(relay.run())
    try:
        broker_propio.stop()
        for i in range(5):
            async with transaction(sessions) as session:  # commits succeed without a broker
                outbox.add(session, Ocurrido(valor=f"durante-la-caida-{i}"))
        await asyncio.sleep(2.0)
        assert await publicados(engine) == 0
        assert await efectos(engine) == []

        broker_propio.start()
        await wait_until(lambda: _hay(engine, 5), timeout=60)
        await asyncio.sleep(1.0)
        assert await efectos(engine) == [f"durante-la-caida-{i}" for i in range(5)]
        assert await publicados(engine) == 5
    finally:
        relay_task.cancel()
        await asyncio.gather(relay_task, return_exceptions=True)
        await broker.close()


def _dsn(engine: AsyncEngine) -> str:
    return engine.url.render_as_string(hide_password=False).replace("+asyncpg", "")


async def test_mensaje_envenenado_va_a_la_dlq_y_los_siguientes_siguen_fluyendo(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    broker: Broker,
    servicio: str,
) -> None:
    await consumir(broker, sessions, servicio)
    async with transaction(sessions) as session:
        outbox.add(session, Ocurrido(valor="veneno"))
        for i in range(5):
            outbox.add(session, Ocurrido(valor=f"sano-{i}"))
    assert await OutboxRelay(sessions, broker, listen_dsn=None).publish_pending() == 6
    await broker.publish(b"esto no es un CloudEvent", TIPO, message_id="basura")

    await wait_until(lambda: _hay(engine, 5))
    assert await efectos(engine) == [f"sano-{i}" for i in range(5)]

    connection = await _conexion(broker)
    channel = await connection.channel()
    dlq = await channel.declare_queue(f"{servicio}.dlq", passive=True)
    muertos: list[bytes] = []

    async def en_dlq() -> bool:
        message = await dlq.get(no_ack=True, fail=False)
        if message is not None:
            muertos.append(message.body)
        return len(muertos) >= 2

    await wait_until(en_dlq, timeout=30)
    assert any(b'"veneno"' in body for body in muertos)
    assert b"esto no es un CloudEvent" in muertos
    cola = await channel.declare_queue(f"{servicio}.events", passive=True)
    assert cola.declaration_result.message_count == 0  # nothing stuck behind the poison
    await connection.close()


async def _conexion(broker: Broker) -> aio_pika.abc.AbstractRobustConnection:
    return await aio_pika.connect_robust(broker.url)


async def test_dos_relays_nunca_publican_la_misma_fila_en_una_pasada(
    engine: AsyncEngine, database_url: str, infra: TestInfra
) -> None:
    conexion, cola = await espia(infra.amqp_url, TIPO)
    sessions = make_sessionmaker(engine, "prueba")
    async with transaction(sessions) as session:
        for i in range(300):
            outbox.add(session, Ocurrido(valor=f"fila-{i:03}"))

    relays = []
    for _ in range(2):  # two independent relays: own pool, own broker connection
        own_engine = make_engine(database_url)
        own_broker = Broker(infra.amqp_url)
        await own_broker.connect()
        relays.append(
            (
                OutboxRelay(
                    make_sessionmaker(own_engine, "prueba"), own_broker, None, batch_size=100
                ),
                own_engine,
                own_broker,
            )
        )
    try:
        counts = await asyncio.gather(*(relay.publish_pending() for relay, _, _ in relays))
        assert sum(counts) == 200  # each claimed its own batch of 100: none waited, none overlapped
        counts_2 = await asyncio.gather(*(relay.publish_pending() for relay, _, _ in relays))
        assert sum(counts) + sum(counts_2) == 300
        ids = await contar(cola)
        assert len(ids) == 300
        assert len(set(ids)) == 300
    finally:
        for _, own_engine, own_broker in relays:
            await own_broker.close()
            await own_engine.dispose()
        await conexion.close()


async def test_depuracion_olvida_lo_publicado_viejo_y_nunca_lo_pendiente(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], broker: Broker
) -> None:
    async with transaction(sessions) as session:
        viejo = outbox.add(session, Ocurrido(valor="publicado-hace-un-mes"))
        reciente = outbox.add(session, Ocurrido(valor="publicado-ayer"))
        pendiente = outbox.add(session, Ocurrido(valor="pendiente-hace-un-mes"))
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE outbox SET published_at = now() - interval '30 days' WHERE id = :id"),
            {"id": viejo.id},
        )
        await conn.execute(
            text("UPDATE outbox SET published_at = now() - interval '1 day' WHERE id = :id"),
            {"id": reciente.id},
        )
        await conn.execute(
            text(
                "UPDATE outbox SET created_at = now() - interval '30 days', "
                "next_attempt_at = now() + interval '1 hour' WHERE id = :id"
            ),
            {"id": pendiente.id},
        )
        await conn.execute(
            text(
                "INSERT INTO inbox (event_id, type, received_at) VALUES "
                "(gen_random_uuid(), 'x', now() - interval '40 days'), "
                "(gen_random_uuid(), 'x', now() - interval '2 days')"
            )
        )

    relay = OutboxRelay(sessions, broker, listen_dsn=None)
    assert await relay.purge() == (1, 1)
    async with engine.connect() as conn:
        quedan = {row[0] for row in await conn.execute(text("SELECT id FROM outbox"))}
        assert (await conn.execute(text("SELECT count(*) FROM inbox"))).scalar_one() == 1
    assert quedan == {reciente.id, pendiente.id}
    assert await relay.count_pending() == 1
