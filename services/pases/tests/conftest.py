"""The pases service running in-process over real PostgreSQL and RabbitMQ."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from pases.main import build_spec
from pases.settings import Settings
from sigexp_testing.apps import running_app
from sigexp_testing.infra import TestInfra
from sigexp_testing.tokens import TokenFactory

sys.path.insert(0, str(Path(__file__).parent))  # helpers of the suite (sembrado.py)


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
