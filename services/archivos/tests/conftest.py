"""The archivos service running in-process over real PostgreSQL, RabbitMQ and S3."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from archivos.main import build_spec
from archivos.settings import Settings
from sigexp_testing.apps import running_app
from sigexp_testing.infra import S3Server, TestInfra
from sigexp_testing.tokens import TokenFactory

sys.path.insert(0, str(Path(__file__).parent))  # `escaneos`: scanned pages made by the tests


@pytest.fixture(scope="session")
async def servicio(infra: TestInfra, s3: S3Server, tokens: TokenFactory) -> AsyncIterator[FastAPI]:
    settings = Settings(
        database_url=infra.database_url("archivos"),
        amqp_url=infra.amqp_url,
        s3_endpoint=s3.endpoint,
        s3_access_key=s3.access_key,
        s3_secret_key=s3.secret_key,
        s3_bucket="sigexp-custodia",
        relay_poll_seconds=0.2,
    )
    async with running_app(build_spec(settings), verifier=tokens.verifier()) as (app, _):
        yield app
