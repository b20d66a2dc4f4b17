"""Fixtures of the auth suite: the real app over PostgreSQL, RabbitMQ and an SMTP catcher."""

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

from auth.main import build_spec
from auth.settings import Settings
from sigexp_common.broker import declare_events_exchange
from sigexp_testing.apps import running_app
from sigexp_testing.infra import TestInfra

sys.path.insert(0, str(Path(__file__).parent))

from auth_ayudas import Api, Escucha


@pytest.fixture(scope="session")
def auth_settings(infra: TestInfra, smtp: tuple[int, Path]) -> Settings:
    port, _ = smtp
    return Settings(
        database_url=infra.database_url("auth"),
        amqp_url=infra.amqp_url,
        smtp_port=port,
        public_url="http://sigexp.test",
        relay_poll_seconds=0.2,
        mail_poll_seconds=0.2,
        jwks_url="http://auth.test/.well-known/jwks.json",
    )


@pytest.fixture(scope="session")
async def auth_app(
    auth_settings: Settings, infra: TestInfra
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    async with running_app(build_spec(auth_settings)) as running:
        yield running


@pytest.fixture(scope="session")
def app(auth_app: tuple[FastAPI, httpx.AsyncClient]) -> FastAPI:
    return auth_app[0]


@pytest.fixture(scope="session")
def client(auth_app: tuple[FastAPI, httpx.AsyncClient]) -> httpx.AsyncClient:
    return auth_app[1]


@pytest.fixture(scope="session")
async def api(client: httpx.AsyncClient, smtp: tuple[int, Path], auth_settings: Settings) -> Api:
    from auth.demo import cargar_demo
    from sigexp_common.db import make_engine, make_sessionmaker, transaction

    engine = make_engine(auth_settings.database_url, pool_size=1)
    async with transaction(make_sessionmaker(engine, "auth")) as db:
        await cargar_demo(db, auth_settings)
    await engine.dispose()
    return Api(client, smtp[1], getattr(auth_settings, "gateway_secret", None))


@pytest.fixture
async def escuchar(infra: TestInfra) -> AsyncIterator[Callable[..., Any]]:
    """`escucha = await escuchar("sigexp.usuario.*")`; later `await escucha(5)` -> envelopes."""
    connection = await aio_pika.connect_robust(infra.amqp_url)
    channel = await connection.channel()

    async def escuchar_(*routing_keys: str) -> Escucha:
        exchange = await declare_events_exchange(connection, channel)
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        for key in routing_keys:
            await queue.bind(exchange, key)
        recibidos: list[dict[str, Any]] = []

        async def al_recibir(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            async with message.process():
                recibidos.append(json.loads(message.body))

        await queue.consume(al_recibir)

        async def esperar(
            segundos: float, hasta: Callable[[list[dict[str, Any]]], bool] | int = 1
        ) -> list[dict[str, Any]]:
            """Wait until `hasta(received)` holds (or that many arrived), at most `segundos`."""
            listo = hasta if callable(hasta) else (lambda r: len(r) >= hasta)
            for _ in range(int(segundos / 0.05)):
                if listo(recibidos):
                    break
                await asyncio.sleep(0.05)
            return recibidos

        return esperar  # type: ignore[return-value]

    yield escuchar_
    await connection.close()
