"""The operator's DLQ command against a real RabbitMQ: list what is parked, move it back, once."""

from __future__ import annotations

import asyncio
import os
import sys
from typing import ClassVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from sigexp_common import dlq, outbox
from sigexp_common.broker import Broker
from sigexp_common.consumer import EventConsumer
from sigexp_common.db import transaction
from sigexp_common.envelope import Event
from sigexp_common.relay import OutboxRelay
from sigexp_testing.waiting import wait_until


class Anotado(Event):
    event_type: ClassVar[str] = "sigexp.prueba.anotado.v1"
    valor: str


class Handler:
    """Fails every delivery while `roto` (a bug or an outage outlasting the retries)."""

    def __init__(self) -> None:
        self.roto = True

    async def __call__(self, session: AsyncSession, evento: Anotado) -> None:
        if self.roto:
            raise RuntimeError("falla hasta que se corrija")
        await session.execute(
            text("INSERT INTO efectos (event_id, valor) VALUES (:id, :valor)"),
            {"id": evento.envelope.id, "valor": evento.valor},
        )


async def _efectos(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT valor FROM efectos ORDER BY valor"))
        return [row[0] for row in rows]


async def _aparcar(
    broker: Broker,
    sessions: async_sessionmaker[AsyncSession],
    servicio: str,
    valores: list[str],
    cola: str | None = None,
) -> tuple[Handler, dict[str, str]]:
    """Publish `valores` to a consumer that fails them until they are all in the DLQ."""
    handler = Handler()
    consumer = EventConsumer(sessions, {Anotado: handler})
    await broker.consume(
        servicio, consumer.routing_keys, consumer.on_message, delivery_limit=2, queue_name=cola
    )
    ids = {}
    async with transaction(sessions) as session:
        for valor in valores:
            ids[valor] = str(outbox.add(session, Anotado(valor=valor)).id)
    assert await OutboxRelay(sessions, broker, listen_dsn=None).publish_pending() == len(valores)
    _, dead = dlq.queue_names(servicio, cola)

    async def parked() -> bool:
        return (await dlq.listar(broker.url, dead))[1] == len(valores)

    await wait_until(parked, timeout=60)
    return handler, ids


async def test_listar_muestra_lo_aparcado_sin_sacarlo_de_la_dlq(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], broker: Broker, servicio: str
) -> None:
    _, ids = await _aparcar(broker, sessions, servicio, ["a", "b"])
    _, dead = dlq.queue_names(servicio)

    parked, total = await dlq.listar(broker.url, dead)
    again, total_again = await dlq.listar(broker.url, dead)

    assert total == total_again == 2
    assert {p.message_id for p in parked} == set(ids.values())
    assert {p.tipo for p in parked} == {Anotado.event_type}
    assert all(p.motivo == "delivery_limit" for p in parked)
    assert [p.message_id for p in again] == [p.message_id for p in parked]
    assert await _efectos(engine) == []


async def test_reprocesar_devuelve_el_mensaje_elegido_y_se_aplica_una_vez(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], broker: Broker, servicio: str
) -> None:
    handler, ids = await _aparcar(broker, sessions, servicio, ["elegido", "otro"])
    queue, dead = dlq.queue_names(servicio)
    handler.roto = False  # the bug is fixed

    moved = await dlq.reprocesar(broker.url, dead, queue, [ids["elegido"]])

    assert moved == 1
    await wait_until(lambda: _hay(engine, 1), timeout=30)
    await asyncio.sleep(1.0)  # time for a duplicate to show up, if there were one
    assert await _efectos(engine) == ["elegido"]
    parked, total = await dlq.listar(broker.url, dead)
    assert total == 1
    assert [p.message_id for p in parked] == [ids["otro"]]


async def test_reprocesar_todo_dos_veces_no_duplica_ningun_efecto(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], broker: Broker, servicio: str
) -> None:
    handler, _ = await _aparcar(broker, sessions, servicio, ["x", "y", "z"])
    queue, dead = dlq.queue_names(servicio)
    handler.roto = False

    assert await dlq.reprocesar(broker.url, dead, queue, None) == 3
    assert await dlq.reprocesar(broker.url, dead, queue, None) == 0

    await wait_until(lambda: _hay(engine, 3), timeout=30)
    await asyncio.sleep(1.0)
    assert await _efectos(engine) == ["x", "y", "z"]
    assert (await dlq.listar(broker.url, dead))[1] == 0


async def test_el_comando_dlq_de_un_servicio_lista_y_reprocesa(
    sessions: async_sessionmaker[AsyncSession], broker: Broker, servicio: str
) -> None:
    """`python -m <service> dlq` is the same from the shell (auditoria's CLI here, pointed at
    this test's own work queue with `--cola`)."""
    queue = f"{servicio}.trabajo"
    await _aparcar(broker, sessions, servicio, ["cli"], cola=queue)
    env = {"AUDITORIA_AMQP_URL": broker.url}

    listed = await _cli(env, "dlq", "--cola", queue)
    moved = await _cli(env, "dlq", "reprocesar", "--todos", "--cola", queue)
    refused = await _cli(env, "dlq", "reprocesar", "--cola", queue)

    assert listed[0] == 0, listed[1]
    assert f"{queue}.dlq: 1 mensaje(s) aparcado(s)" in listed[1]
    assert Anotado.event_type in listed[1]
    assert moved[0] == 0, moved[1]
    assert f"1 mensaje(s) de {queue}.dlq vuelven a {queue}" in moved[1]
    assert refused[0] == 2
    assert "--todos" in refused[1]


async def _hay(engine: AsyncEngine, n: int) -> bool:
    return len(await _efectos(engine)) >= n


async def _cli(env: dict[str, str], *args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "auditoria",
        *args,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await process.communicate()
    return int(process.returncode or 0), out.decode()
