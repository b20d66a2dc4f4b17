"""The auditoria service running in-process over real PostgreSQL, RabbitMQ and S3 (nanio), as
its own runtime role (INSERT and SELECT only on the chain) beside the owner that migrates."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from auditoria.main import build_spec
from auditoria.settings import RUNTIME_ROLE, Settings
from sigexp_testing.apps import running_app
from sigexp_testing.infra import S3Server, TestInfra
from sigexp_testing.tokens import TokenFactory


def como_servicio(database_url: str) -> str:
    """The same database as the service's runtime role (the owner's password, if any)."""
    parts = urlsplit(database_url)
    host = parts.netloc.rsplit("@", 1)[-1]
    password = f":{parts.password}" if parts.password else ""
    return urlunsplit((parts.scheme, f"{RUNTIME_ROLE}{password}@{host}", parts.path, "", ""))


def ajustes(infra: TestInfra, s3: S3Server, base: str, data_dir: Path, **extra: object) -> Settings:
    owner = infra.database_url(base)
    return Settings(
        database_url=owner,
        runtime_database_url=como_servicio(owner),
        amqp_url=infra.amqp_url,
        relay_poll_seconds=0.2,
        data_dir=data_dir,
        s3_endpoint=s3.endpoint,
        s3_access_key=s3.access_key,
        s3_secret_key=s3.secret_key,
        s3_secure=s3.secure,
        s3_bucket="sigexp-auditoria-pruebas",
        **extra,  # type: ignore[arg-type]
    )


Ajustes = Callable[..., Settings]


@pytest.fixture(scope="session")
def ajustes_de(infra: TestInfra, s3: S3Server) -> Ajustes:
    """`ajustes_de(base, data_dir, **extra)`: the settings of an auditoria of its own."""
    return lambda base, data_dir, **extra: ajustes(infra, s3, base, data_dir, **extra)


@pytest.fixture(scope="session")
async def servicio(
    infra: TestInfra,
    s3: S3Server,
    tokens: TokenFactory,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    settings = ajustes(infra, s3, "auditoria", tmp_path_factory.mktemp("auditoria"))
    async with running_app(build_spec(settings), verifier=tokens.verifier()) as app_client:
        yield app_client


@pytest.fixture(scope="session")
async def dueno(servicio: tuple[FastAPI, httpx.AsyncClient]) -> AsyncIterator[AsyncEngine]:
    """An engine of the chain's owner (who migrates, and who alone can lift the trigger)."""
    app, _ = servicio
    engine = create_async_engine(app.state.settings.database_url, poolclass=NullPool)
    yield engine
    await engine.dispose()
