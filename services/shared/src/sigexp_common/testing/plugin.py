"""pytest plugin (loaded from the root pyproject): session-wide real servers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from sigexp_common.broker import Broker
from sigexp_common.testing.infra import (
    S3Server,
    TestInfra,
    container_infra,
    container_s3,
    docker_available,
    local_infra,
    start_nanio,
)
from sigexp_common.testing.mailcatcher import start_mailcatcher
from sigexp_common.testing.tokens import TokenFactory


@pytest.fixture(scope="session")
def use_docker() -> bool:
    return docker_available()


@pytest.fixture(scope="session")
def infra(use_docker: bool) -> Iterator[TestInfra]:
    """PostgreSQL and RabbitMQ for this session: fresh databases and an isolated vhost."""
    with ExitStack() as stack:
        yield container_infra(stack) if use_docker else local_infra(stack)


@pytest.fixture(scope="session")
def s3(use_docker: bool) -> Iterator[S3Server]:
    with ExitStack() as stack:
        yield container_s3(stack) if use_docker else start_nanio(stack)


@pytest.fixture(scope="session")
def smtp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """A real SMTP server saving messages as files: (port, folder)."""
    folder = tmp_path_factory.mktemp("correo")
    controller = start_mailcatcher(folder)
    yield controller.port, folder
    controller.stop()


@pytest.fixture(scope="session")
def tokens() -> TokenFactory:
    return TokenFactory()


@pytest.fixture(scope="session")
async def bus(infra: TestInfra) -> AsyncIterator[Broker]:
    """A publisher on the session's exchange, standing for the services a test does not run."""
    broker = Broker(infra.amqp_url)
    await broker.connect()
    yield broker
    await broker.close()
