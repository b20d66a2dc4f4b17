"""Fixtures for the messaging guarantees: a real database with outbox/inbox and a real broker."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from sigexp_common.broker import Broker
from sigexp_common.db import make_engine, make_sessionmaker
from sigexp_common.migrations import SHARED_MIGRATIONS, upgrade
from sigexp_testing.infra import TestInfra
from sigexp_testing.private_broker import PrivateBroker, start_private_broker

sys.path.insert(0, str(Path(__file__).parent))  # helpers beside the tests (`borde`)


@pytest.fixture(scope="session")
def database_url(infra: TestInfra) -> str:
    url = infra.database_url("mensajeria")

    upgrade(SHARED_MIGRATIONS, url)  # the shared branch alone: outbox, inbox, idempotency

    async def create() -> None:
        engine = make_engine(url)
        async with engine.begin() as conn:
            await conn.execute(
                text("CREATE TABLE efectos (event_id uuid NOT NULL, valor text NOT NULL)")
            )
        await engine.dispose()

    asyncio.run(create())
    return url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE outbox, inbox, efectos"))
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(engine, "prueba")


@pytest.fixture
async def broker(infra: TestInfra) -> AsyncIterator[Broker]:
    broker = Broker(infra.amqp_url, prefetch=8)
    await broker.connect()
    yield broker
    await broker.close()


@pytest.fixture
def servicio() -> str:
    """A consuming service name of this test alone (its own queue and DLQ)."""
    return f"prueba-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def broker_propio() -> Iterator[PrivateBroker]:
    """A RabbitMQ node of this test session's own, that a test may stop and start."""
    with ExitStack() as stack:
        yield start_private_broker(stack)
