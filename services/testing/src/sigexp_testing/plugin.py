"""pytest plugin (loaded from the root pyproject): session-wide real servers.

Every pytest start loads this module, so it imports nothing heavy at module level: each
fixture imports what it needs when a test asks for it (a unit test run never loads aio-pika,
asyncpg, aiosmtpd, FastAPI or the JWT stack through here).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from sigexp_common.broker import Broker
    from sigexp_testing.infra import S3Server, TestInfra
    from sigexp_testing.tokens import TokenFactory


@pytest.fixture(scope="session")
def use_docker() -> bool:
    from sigexp_testing.infra import docker_available

    return docker_available()


@pytest.fixture(scope="session")
def infra(use_docker: bool) -> Iterator[TestInfra]:
    """PostgreSQL and RabbitMQ for this session: fresh databases and an isolated vhost."""
    from sigexp_testing.infra import container_infra, local_infra

    with ExitStack() as stack:
        yield container_infra(stack) if use_docker else local_infra(stack)


@pytest.fixture(scope="session")
def s3(use_docker: bool) -> Iterator[S3Server]:
    from sigexp_testing.infra import container_s3, start_nanio

    with ExitStack() as stack:
        yield container_s3(stack) if use_docker else start_nanio(stack)


@pytest.fixture(scope="session")
def smtp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """A real SMTP server saving messages as files: (port, folder)."""
    from sigexp_testing.mailcatcher import start_mailcatcher

    folder = tmp_path_factory.mktemp("correo")
    controller = start_mailcatcher(folder)
    yield controller.port, folder
    controller.stop()


@pytest.fixture(scope="session")
def rabbitmq_management() -> str:
    """The local broker's management API (its plugin enabled when missing)."""
    from sigexp_testing.infra import ensure_rabbitmq_management

    return ensure_rabbitmq_management()


@pytest.fixture(scope="session")
def tokens() -> TokenFactory:
    from sigexp_testing.tokens import TokenFactory

    return TokenFactory()


@pytest.fixture(scope="session")
async def bus(infra: TestInfra) -> AsyncIterator[Broker]:
    """A publisher on the session's exchange, standing for the services a test does not run."""
    from sigexp_common.broker import Broker

    broker = Broker(infra.amqp_url)
    await broker.connect()
    yield broker
    await broker.close()
