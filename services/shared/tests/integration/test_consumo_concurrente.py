"""Consumers handle several messages at once, across processes, and still end in the right
state: order comes from each event's aggregate version, not from serialising the queue."""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import aio_pika
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from sigexp_common.broker import Broker
from sigexp_common.consumer import EventConsumer
from sigexp_common.envelope import Envelope, Event
from sigexp_testing.infra import TestInfra
from sigexp_testing.waiting import wait_until

PROCESO = Path(__file__).with_name("consumidor_de_copias.py")
TIPO = "sigexp.prueba.estado_cambiado.v1"


class Demorado(Event):
    event_type: ClassVar[str] = "sigexp.prueba.demorado.v1"
    valor: str


async def _publicar(broker: Broker, envelope: Envelope) -> None:
    await broker.publish(envelope.to_bytes(), envelope.type, message_id=str(envelope.id))


async def test_un_consumidor_atiende_hasta_prefetch_mensajes_a_la_vez(
    infra: TestInfra, sessions: async_sessionmaker[AsyncSession], servicio: str
) -> None:
    en_curso, maximo, hechos = 0, 0, 0

    async def demorar(session: AsyncSession, evento: Demorado) -> None:
        nonlocal en_curso, maximo, hechos
        en_curso += 1
        maximo = max(maximo, en_curso)
        await asyncio.sleep(0.2)
        en_curso -= 1
        hechos += 1

    broker = Broker(infra.amqp_url, prefetch=4)
    await broker.connect()
    try:
        consumer = EventConsumer(sessions, {Demorado: demorar})
        await broker.consume(servicio, consumer.routing_keys, consumer.on_message)
        for i in range(12):
            await _publicar(
                broker, Envelope(source="/p", type=Demorado.event_type, data={"valor": str(i)})
            )

        async def todos() -> bool:
            return hechos == 12

        await wait_until(todos, timeout=30)
        assert maximo == 4  # concurrent, and never more than the prefetch window
    finally:
        await broker.close()


async def test_payload_invalido_va_a_la_dlq_de_inmediato_sin_reentregas(
    broker: Broker, sessions: async_sessionmaker[AsyncSession], servicio: str
) -> None:
    entregas: dict[str, int] = {}
    aplicados: list[str] = []

    async def aplicar(session: AsyncSession, evento: Demorado) -> None:
        aplicados.append(evento.valor)

    consumer = EventConsumer(sessions, {Demorado: aplicar})

    async def contando(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        entregas[str(message.message_id)] = entregas.get(str(message.message_id), 0) + 1
        await consumer.on_message(message)

    await broker.consume(servicio, consumer.routing_keys, contando, delivery_limit=5)
    invalido = Envelope(source="/p", type=Demorado.event_type, data={"valor": {"no": "texto"}})
    valido = Envelope(source="/p", type=Demorado.event_type, data={"valor": "bien"})
    await _publicar(broker, invalido)
    await _publicar(broker, valido)

    connection = await aio_pika.connect_robust(broker.url)
    channel = await connection.channel()
    dlq = await channel.declare_queue(f"{servicio}.dlq", passive=True)
    muerto: list[aio_pika.abc.AbstractIncomingMessage] = []

    async def en_dlq() -> bool:
        message = await dlq.get(no_ack=True, fail=False)
        if message is not None:
            muerto.append(message)
        return bool(muerto)

    await wait_until(en_dlq, timeout=30)
    await asyncio.sleep(1.0)  # time for any redelivery to show up
    assert muerto[0].message_id == str(invalido.id)
    assert entregas[str(invalido.id)] == 1  # rejected at once, not retried up to the limit
    assert aplicados == ["bien"]
    await connection.close()


@pytest.fixture
async def copias(engine: AsyncEngine) -> AsyncEngine:
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "CREATE TABLE IF NOT EXISTS copias "
                "(clave varchar(50) PRIMARY KEY, estado varchar(50) NOT NULL, version bigint)"
            )
        )
        await conn.execute(
            text("CREATE TABLE IF NOT EXISTS aplicaciones (event_id uuid, pid integer)")
        )
        await conn.execute(text("TRUNCATE copias, aplicaciones"))
    return engine


@pytest.fixture
def dos_procesos(database_url: str, infra: TestInfra, servicio: str) -> Iterator[list[int]]:
    """Two OS processes consuming the same queue, each with its own connections."""
    procesos = [
        subprocess.Popen(
            [sys.executable, str(PROCESO), database_url, infra.amqp_url, servicio],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        for proceso in procesos:
            assert proceso.stdout is not None
            assert proceso.stdout.readline().strip() == "listo"
        yield [proceso.pid for proceso in procesos]
    finally:
        for proceso in procesos:
            proceso.terminate()
            proceso.wait(timeout=10)


async def test_dos_procesos_con_eventos_desordenados_y_repetidos_dejan_la_ultima_version(
    copias: AsyncEngine, broker: Broker, dos_procesos: list[int]
) -> None:
    eventos = [
        Envelope(
            source="/p",
            type=TIPO,
            subject=clave,
            sequence=version,
            data={"clave": clave, "estado": f"{clave}-v{version}"},
        )
        for clave in ("a", "b", "c", "d")
        for version in range(1, 7)
    ]
    orden = random.Random(7).sample(eventos, len(eventos))
    orden.sort(key=lambda e: e.sequence != 6)  # the newest of each first: the worst case
    repetidos = [*orden, *orden[::3]]  # redeliveries of the same event
    otra_vez = [e.model_copy(update={"id": uuid.uuid4()}) for e in eventos[::4]]  # re-sent
    for envelope in [*repetidos, *otra_vez]:
        await _publicar(broker, envelope)

    distintos = len(eventos) + len(otra_vez)

    async def aplicados() -> bool:
        async with copias.connect() as conn:
            n = (await conn.execute(text("SELECT count(*) FROM aplicaciones"))).scalar_one()
        return int(n) == distintos

    await wait_until(aplicados, timeout=60)
    async with copias.connect() as conn:
        estado = dict((await conn.execute(text("SELECT clave, estado FROM copias"))).all())
        versiones = set((await conn.execute(text("SELECT version FROM copias"))).scalars())
        pids = set((await conn.execute(text("SELECT DISTINCT pid FROM aplicaciones"))).scalars())
    assert estado == {clave: f"{clave}-v6" for clave in "abcd"}
    assert versiones == {6}
    assert pids == set(dos_procesos)  # both replicas did part of the work
