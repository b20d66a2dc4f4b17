"""What keeps propagation quick without loosening a guarantee, against real PostgreSQL and
RabbitMQ: the relay wakes on the committing transaction's NOTIFY (not on its poll), its own
bookkeeping commits without waiting for the WAL flush, its passes overlap the previous pass's
marking and still publish every row once, and a batched consumer
applies a batch in one transaction, once per event id, the newest version per aggregate.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from typing import Any, ClassVar

import aio_pika
from sqlalchemy import Text, func, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from sigexp_common import outbox, projection
from sigexp_common.broker import Broker, declare_events_exchange
from sigexp_common.consumer import Batched, EventConsumer
from sigexp_common.db import transaction
from sigexp_common.envelope import Envelope, Event, utcnow
from sigexp_common.messaging_tables import OutboxMessage
from sigexp_common.relay import OutboxRelay
from sigexp_common.stopping import cancel_and_wait
from sigexp_testing.infra import TestInfra
from sigexp_testing.waiting import wait_until


class Anotado(Event):
    event_type: ClassVar[str] = "sigexp.prueba.anotado.v1"
    valor: str

    def subject(self) -> str | None:
        return self.valor


def _dsn(engine: AsyncEngine) -> str:
    return engine.url.render_as_string(hide_password=False).replace("+asyncpg", "")


async def _publicados(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        query = select(func.count()).where(OutboxMessage.published_at.is_not(None))
        return int((await conn.execute(query)).scalar_one())


async def _espia(url: str) -> tuple[aio_pika.abc.AbstractRobustConnection, list[str]]:
    """Every copy of `Anotado` the exchange routes, by message id, as it arrives."""
    connection = await aio_pika.connect_robust(url)
    channel = await connection.channel()
    exchange = await declare_events_exchange(connection, channel)
    queue = await channel.declare_queue(exclusive=True)
    await queue.bind(exchange, Anotado.event_type)
    vistos: list[str] = []

    async def anotar(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        vistos.append(str(message.message_id))
        await message.ack()

    await queue.consume(anotar)
    return connection, vistos


async def test_el_relay_publica_al_confirmarse_la_transaccion_sin_esperar_su_sondeo(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    broker: Broker,
    infra: TestInfra,
) -> None:
    conexion, vistos = await _espia(infra.amqp_url)
    relay = OutboxRelay(sessions, broker, listen_dsn=_dsn(engine), poll_seconds=3600)
    tarea = asyncio.create_task(relay.run())
    try:
        await wait_until(lambda: _escuchando(relay))  # its first pass found nothing
        async with transaction(sessions) as session:
            enviado = outbox.add(session, Anotado(valor="al-confirmar"))
        # An hour between polls: only the NOTIFY of the commit can have woken it.
        await wait_until(lambda: _vio(vistos, 1))
        assert vistos == [str(enviado.id)]
        await wait_until(lambda: _marcados(engine, 1))
        # Its leases and marks commit without waiting for the WAL flush; the use case's
        # transaction, which wrote the event, waited for it.
        assert await _sincronico(relay.loop.sessions) == "off"
        assert await _sincronico(sessions) == "on"
    finally:
        await cancel_and_wait({tarea}, 10, "relay")
        await conexion.close()


async def test_bajo_carga_las_filas_que_llegan_mientras_espera_van_en_una_pasada(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    broker: Broker,
    infra: TestInfra,
) -> None:
    """The first row after a quiet spell goes at once; the rows committed one by one within
    `coalesce_seconds` of the start of a pass that found rows share the next pass."""
    conexion, vistos = await _espia(infra.amqp_url)
    relay = OutboxRelay(
        sessions, broker, listen_dsn=_dsn(engine), poll_seconds=3600, coalesce_seconds=2.0
    )
    pasadas: list[int] = []  # rows claimed by each pass that found any
    reclamar = relay.loop._claim

    async def contar() -> list[Any]:
        filas = await reclamar()
        if filas:
            pasadas.append(len(filas))
        return filas

    relay.loop._claim = contar  # type: ignore[method-assign]
    tarea = asyncio.create_task(relay.run())
    try:
        await wait_until(lambda: _escuchando(relay))
        inicio = asyncio.get_running_loop().time()
        async with transaction(sessions) as session:
            outbox.add(session, Anotado(valor="primera"))
        await wait_until(lambda: _vio(vistos, 1))
        assert asyncio.get_running_loop().time() - inicio < 0.5  # no wait after quiet
        for i in range(5):  # each its own commit, each a NOTIFY
            async with transaction(sessions) as session:
                outbox.add(session, Anotado(valor=f"seguida-{i}"))
            await asyncio.sleep(0.02)
        await wait_until(lambda: _vio(vistos, 6))
        assert pasadas == [1, 5]
    finally:
        await cancel_and_wait({tarea}, 10, "relay")
        await conexion.close()


async def _sincronico(sessions: async_sessionmaker[AsyncSession]) -> str:
    async with sessions() as session:
        return str((await session.execute(text("SHOW synchronous_commit"))).scalar_one())


async def _escuchando(relay: OutboxRelay) -> bool:
    return relay._listener is not None and not relay._listener.is_closed()


async def _vio(vistos: list[str], n: int) -> bool:
    return len(vistos) >= n


async def _marcados(engine: AsyncEngine, n: int) -> bool:
    return await _publicados(engine) >= n


async def test_pasadas_seguidas_con_el_marcado_de_fondo_publican_cada_fila_una_vez(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    broker: Broker,
    infra: TestInfra,
) -> None:
    """More rows than a pass takes: each next pass claims while the previous one is marked."""
    conexion, vistos = await _espia(infra.amqp_url)
    async with transaction(sessions) as session:
        enviados = [outbox.add(session, Anotado(valor=f"fila-{i}")) for i in range(250)]
    relay = OutboxRelay(sessions, broker, listen_dsn=None, poll_seconds=3600, batch_size=40)
    tarea = asyncio.create_task(relay.run())
    try:
        await wait_until(lambda: _marcados(engine, 250), timeout=60)
        await asyncio.sleep(1.0)  # any copy sent twice would have arrived by now
        assert sorted(vistos) == sorted(str(e.id) for e in enviados)
        assert await relay.count_pending() == 0
    finally:
        await cancel_and_wait({tarea}, 10, "relay")
        await conexion.close()


async def _buffers_del_reclamo(engine: AsyncEngine, relay: OutboxRelay) -> tuple[int, int]:
    """The pages the relay's claim reads, and the rows it leases (rolled back: nothing kept)."""
    claim = relay.loop.lease_due(utcnow()).compile(
        dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
    )
    async with engine.connect() as conn:
        plan = (
            await conn.execute(text(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {claim}"))
        ).scalar_one()
        await conn.rollback()
    raiz = plan[0]["Plan"]
    return raiz["Shared Hit Blocks"] + raiz["Shared Read Blocks"], raiz["Actual Rows"]


async def test_el_reclamo_no_recorre_las_filas_publicadas_desde_el_ultimo_vacuum(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], broker: Broker
) -> None:
    # 5,000 published rows of an envelope's size (their old versions dead, no VACUUM since),
    # and 3 still to publish.
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO outbox (id, type, envelope) SELECT gen_random_uuid(), 'x', "
                "jsonb_build_object('datos', repeat('x', 800)) FROM generate_series(1, 5000)"
            )
        )
        await conn.execute(text("UPDATE outbox SET published_at = now()"))
        await conn.execute(
            text(
                "INSERT INTO outbox (id, type, envelope) SELECT gen_random_uuid(), 'x', '{}' "
                "FROM generate_series(1, 3)"
            )
        )
    relay = OutboxRelay(sessions, broker, listen_dsn=None, poll_seconds=3600)
    await _buffers_del_reclamo(engine, relay)  # the first walk marks the dead entries it passes
    paginas, filas = await _buffers_del_reclamo(engine, relay)
    assert filas == 3
    # Its index's pages only (57 here). A bitmap of every entry (`ix_outbox_pending`, before
    # sigexp_0005) read the heap pages of all the published rows each time (667 here).
    assert paginas < 150, paginas


async def test_al_detenerse_el_relay_termina_de_marcar_lo_que_publico(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    broker: Broker,
    infra: TestInfra,
) -> None:
    conexion, vistos = await _espia(infra.amqp_url)
    async with transaction(sessions) as session:
        for i in range(30):
            outbox.add(session, Anotado(valor=f"al-parar-{i}"))
    relay = OutboxRelay(sessions, broker, listen_dsn=None, poll_seconds=3600)
    tarea = asyncio.create_task(relay.run())
    await wait_until(lambda: _vio(vistos, 30))
    await cancel_and_wait({tarea}, 10, "relay")  # stopped right after its pass published
    assert await _publicados(engine) == 30  # none left leased, to be sent a second time
    await conexion.close()


class Version(Event):
    """A test aggregate's state: the latest version wins (`projection`)."""

    event_type: ClassVar[str] = "sigexp.prueba.version.v1"
    clave: uuid.UUID
    valor: str

    def subject(self) -> str | None:
        return str(self.clave)


class Copia:
    """The handler of the test's copies, recording every batch it was given."""

    def __init__(self) -> None:
        self.lotes: list[list[str]] = []

    async def aplicar(self, db: AsyncSession, eventos: Sequence[Version]) -> None:
        self.lotes.append([e.valor for e in eventos])
        await projection.apply_all_if_newer(
            db,
            CopiaLote,
            "clave",
            [(e.clave, projection.version(e), {"valor": e.valor}) for e in eventos],
        )


class _Base(DeclarativeBase):
    pass


class CopiaLote(projection.VersionedCopy, _Base):
    __tablename__ = "copias_lote"

    clave: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    valor: Mapped[str] = mapped_column(Text)


async def _tabla_de_copias(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("DROP TABLE IF EXISTS copias_lote"))
        await conn.run_sync(_Base.metadata.create_all)


def _version(clave: uuid.UUID, valor: str, version: int) -> Envelope:
    return Envelope(
        source="/sigexp/prueba",
        type=Version.event_type,
        subject=str(clave),
        sequence=version,
        data={"clave": str(clave), "valor": valor},
    )


async def _publicar(exchange: aio_pika.abc.AbstractExchange, envelope: Envelope) -> None:
    body = envelope.model_dump_json().encode()
    message = aio_pika.Message(body, message_id=str(envelope.id))
    await exchange.publish(message, routing_key=Version.event_type)


async def test_un_lote_con_un_duplicado_y_versiones_desordenadas_se_aplica_una_vez_y_gana_la_ultima(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    broker: Broker,
    infra: TestInfra,
    servicio: str,
) -> None:
    await _tabla_de_copias(engine)
    copia = Copia()
    # A batch waits up to 5 s to fill: the messages below, published at once, share one.
    consumer = EventConsumer(sessions, {Version: Batched(copia.aplicar, max_wait=5.0)})
    await broker.consume(servicio, consumer.routing_keys, consumer.on_message, delivery_limit=3)
    a, b = uuid.uuid4(), uuid.uuid4()
    tercera = _version(a, "a-3", 3)
    enviados = [
        _version(a, "a-1", 1),
        tercera,
        _version(b, "b-1", 1),
        tercera,
        _version(a, "a-2", 2),
    ]
    conexion = await aio_pika.connect_robust(infra.amqp_url)
    try:
        channel = await conexion.channel()
        exchange = await declare_events_exchange(conexion, channel)
        for envelope in enviados:
            await _publicar(exchange, envelope)
        await wait_until(lambda: _copias(engine, 2))
        await asyncio.sleep(1.0)  # anything redelivered would be applied by now
    finally:
        await conexion.close()

    assert await _filas(engine) == {a: ("a-3", 3), b: ("b-1", 1)}  # the newest per key
    aplicados = [valor for lote in copia.lotes for valor in lote]
    assert sorted(aplicados) == ["a-1", "a-2", "a-3", "b-1"]  # the repeated id, once
    assert len(copia.lotes) == 1  # one transaction for the batch
    async with engine.connect() as conn:
        inbox = await conn.execute(text("SELECT count(*) FROM inbox"))
        assert inbox.scalar_one() == 4


async def test_una_version_vieja_en_otro_lote_no_pisa_la_copia(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    broker: Broker,
    infra: TestInfra,
    servicio: str,
) -> None:
    await _tabla_de_copias(engine)
    copia = Copia()
    consumer = EventConsumer(sessions, {Version: Batched(copia.aplicar, max_wait=0)})
    await broker.consume(servicio, consumer.routing_keys, consumer.on_message, delivery_limit=3)
    a = uuid.uuid4()
    conexion = await aio_pika.connect_robust(infra.amqp_url)
    try:
        channel = await conexion.channel()
        exchange = await declare_events_exchange(conexion, channel)
        await _publicar(exchange, _version(a, "a-5", 5))
        await wait_until(lambda: _copias(engine, 1))
        await _publicar(exchange, _version(a, "a-4", 4))  # late: an older state
        await wait_until(lambda: _en_inbox(engine, 2))
    finally:
        await conexion.close()
    assert await _filas(engine) == {a: ("a-5", 5)}


async def _copias(engine: AsyncEngine, n: int) -> bool:
    return len(await _filas(engine)) >= n


async def _en_inbox(engine: AsyncEngine, n: int) -> bool:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT count(*) FROM inbox"))).scalar_one()) >= n


async def _filas(engine: AsyncEngine) -> dict[uuid.UUID, tuple[str, int]]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT clave, valor, version FROM copias_lote"))
        return {row[0]: (row[1], int(row[2])) for row in rows}
