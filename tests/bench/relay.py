"""Outbox relay throughput: rows published (and confirmed) per second through a real broker.

Creates a scratch database and an exclusive queue on the local servers, commits
`--rows` outbox rows, and times relay passes until every row is published.
Run: `.tools/bin/uv run --frozen python tests/bench/relay.py [--rows 3000] [--batch 100]`.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from typing import ClassVar

import aio_pika
import asyncpg

from sigexp_common import outbox
from sigexp_common.broker import Broker
from sigexp_common.db import make_engine, make_sessionmaker, transaction
from sigexp_common.envelope import Event
from sigexp_common.migrations import SHARED_MIGRATIONS, upgrade
from sigexp_common.relay import OutboxRelay

PG = "postgresql://postgres@127.0.0.1:5432/postgres"
AMQP = "amqp://guest:guest@127.0.0.1:5672/"


class Medido(Event):
    event_type: ClassVar[str] = "sigexp.bench.medido.v1"
    n: int


async def medir(rows: int, batch: int) -> float:
    name = f"bench_relay_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(PG)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    await asyncio.to_thread(upgrade, SHARED_MIGRATIONS, url)  # outbox, inbox (shared branch)
    engine = make_engine(url)
    connection = await aio_pika.connect_robust(AMQP)
    broker = Broker(AMQP)
    try:
        sessions = make_sessionmaker(engine, "bench")
        async with transaction(sessions) as db:
            for i in range(rows):
                outbox.add(db, Medido(n=i))
        await broker.connect()
        channel = await connection.channel()
        exchange = await channel.get_exchange("sigexp.events")
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(exchange, Medido.event_type)
        relay = OutboxRelay(sessions, broker, None, batch_size=batch)
        start = time.perf_counter()
        published = 0
        while published < rows:
            published += await relay.publish_pending()
        return rows / (time.perf_counter() - start)
    finally:
        await connection.close()
        await broker.close()
        await engine.dispose()
        await admin.execute(f'DROP DATABASE "{name}"')
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    rate = asyncio.run(medir(args.rows, args.batch))
    print(f"relay: {rate:.0f} rows/s ({args.rows} rows, batch {args.batch})")


if __name__ == "__main__":
    main()
