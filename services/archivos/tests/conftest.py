"""The archivos service running in-process over real PostgreSQL, RabbitMQ and S3."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from archivos.main import build_spec
from archivos.settings import Settings
from sigexp_common.broker import Broker
from sigexp_testing.apps import running_app
from sigexp_testing.infra import S3Server, TestInfra
from sigexp_testing.tokens import TokenFactory

sys.path.insert(0, str(Path(__file__).parent))  # helpers beside the tests (`archivos_escena`,
# `escaneos`, `digitalizacion_ayudas`)

from archivos_escena import BUCKET, Escena


def ajustes(infra: TestInfra, s3: S3Server) -> Settings:
    return Settings(
        database_url=infra.database_url("archivos"),
        amqp_url=infra.amqp_url,
        s3_endpoint=s3.endpoint,
        s3_access_key=s3.access_key,
        s3_secret_key=s3.secret_key,
        s3_bucket=BUCKET,
        relay_poll_seconds=0.2,
        max_upload_mb=20,
    )


@pytest.fixture(scope="session")
async def corriendo(
    infra: TestInfra, s3: S3Server, tokens: TokenFactory
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    spec = build_spec(ajustes(infra, s3))
    async with running_app(spec, verifier=tokens.verifier()) as app_y_cliente:
        yield app_y_cliente


@pytest.fixture(scope="session")
def servicio(corriendo: tuple[FastAPI, httpx.AsyncClient]) -> FastAPI:
    return corriendo[0]


@pytest.fixture(scope="session")
def cliente(corriendo: tuple[FastAPI, httpx.AsyncClient]) -> httpx.AsyncClient:
    return corriendo[1]


@pytest.fixture
def escena(
    corriendo: tuple[FastAPI, httpx.AsyncClient], bus: Broker, tokens: TokenFactory, s3: S3Server
) -> Escena:
    return Escena(corriendo[0], corriendo[1], bus, tokens, s3)
