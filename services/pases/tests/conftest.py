"""The pases service running in-process over real PostgreSQL and RabbitMQ."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aio_pika
import httpx
import pytest
from fastapi import FastAPI

from pases.main import build_spec
from pases.settings import Settings
from sigexp_common.broker import Broker, declare_events_exchange
from sigexp_testing.apps import running_app
from sigexp_testing.infra import TestInfra
from sigexp_testing.tokens import TokenFactory

sys.path.insert(0, str(Path(__file__).parent))  # helpers of the suite

from pases_ayudas import Escenario


@pytest.fixture(scope="session")
async def servicio(
    infra: TestInfra, tokens: TokenFactory, smtp: tuple[int, Path]
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    settings = Settings(
        database_url=infra.database_url("pases"),
        amqp_url=infra.amqp_url,
        relay_poll_seconds=0.2,
        smtp_port=smtp[0],
        mail_poll_seconds=0.2,
    )
    async with running_app(build_spec(settings), verifier=tokens.verifier()) as app_y_cliente:
        yield app_y_cliente


@pytest.fixture(scope="session")
def cliente(servicio: tuple[FastAPI, httpx.AsyncClient]) -> httpx.AsyncClient:
    return servicio[1]


@pytest.fixture
def escenario(
    servicio: tuple[FastAPI, httpx.AsyncClient], bus: Broker, tokens: TokenFactory
) -> Escenario:
    app, cliente = servicio
    return Escenario(app, cliente, bus, tokens)


@pytest.fixture
async def escuchar(infra: TestInfra) -> AsyncIterator[Callable[..., Any]]:
    """Bind a private queue to some event types; `await escucha(condicion)` gathers the events
    (as JSON) until `condicion(eventos)` holds."""
    connection = await aio_pika.connect_robust(infra.amqp_url)
    channel = await connection.channel()
    exchange = await declare_events_exchange(connection, channel)

    async def enlazar(*tipos: str) -> Callable[..., Any]:
        queue = await channel.declare_queue(exclusive=True)
        for tipo in tipos:
            await queue.bind(exchange, tipo)

        async def escucha(condicion: Callable[[list[dict]], bool]) -> list[dict]:
            eventos: list[dict] = []
            async with asyncio.timeout(15), queue.iterator() as messages:
                async for message in messages:
                    await message.ack()
                    eventos.append(json.loads(message.body))
                    if condicion(eventos):
                        return eventos
            return eventos

        return escucha

    yield enlazar
    await connection.close()
