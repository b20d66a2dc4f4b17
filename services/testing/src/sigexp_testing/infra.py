"""The real servers a test session uses.

With a Docker engine: testcontainers for PostgreSQL, RabbitMQ and MinIO. Without one (as on
these machines): the local PostgreSQL and RabbitMQ (a fresh set of databases and an isolated
vhost per session) and nanio, a real S3 server, on a free port.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(host: str, port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex((host, port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout}s")


class ServiceDidNotStart(RuntimeError):
    """A service process exited or never answered /health/ready."""


def wait_until_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 90.0) -> None:
    """Wait until the service started as `process` answers 200 on `url`/health/ready."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServiceDidNotStart(f"exited with code {process.returncode} while starting")
        try:
            if httpx.get(url + "/health/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise ServiceDidNotStart(f"not ready after {timeout:.0f}s")


REVOCATIONS_LIVE = "sigexp_revocaciones_al_dia 1.0"


def wait_until_writable(url: str, timeout: float = 60.0) -> None:
    """Wait until the process at `url` takes writes: its list of revoked sessions is complete
    (`/metrics`; until then a write with a token is 503). It needs auth answering."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if REVOCATIONS_LIVE in httpx.get(url + "/metrics", timeout=10).text:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise ServiceDidNotStart(f"its revoked sessions were not loaded after {timeout:.0f}s")


def docker_available() -> bool:
    if os.environ.get("SIGEXP_TEST_NO_DOCKER") or not shutil.which("docker"):
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@dataclass
class S3Server:
    endpoint: str  # host:port
    access_key: str
    secret_key: str
    secure: bool = False


@dataclass
class TestInfra:
    """Addresses of the servers of one test session and the databases created in it."""

    __test__ = False  # a fixture's type, not a test class

    pg_admin_dsn: str  # a database to connect to for CREATE/DROP DATABASE
    amqp_url: str
    prefix: str = field(default_factory=lambda: f"t{int(time.time())}{uuid.uuid4().hex[:4]}")
    databases: list[str] = field(default_factory=list)
    vhosts: list[str] = field(default_factory=list)
    local: bool = False  # local servers (vhosts made with rabbitmqctl) or fresh containers

    def amqp_vhost(self, suffix: str) -> str:
        """A broker vhost of its own for a group of tests whose queues must not mix with
        others' (e.g. a whole system of subprocesses). Deleted at the end of the session."""
        if not self.local:
            return self.amqp_url  # a fresh container per session is isolation enough
        base, session_vhost = self.amqp_url.rsplit("/", 1)
        vhost = f"{session_vhost}-{suffix}"
        if vhost not in self.vhosts:
            _new_vhost(vhost, self.amqp_url)
            self.vhosts.append(vhost)
        return f"{base}/{vhost}"

    def delete_vhosts(self) -> None:
        for vhost in self.vhosts:
            _rabbitmqctl("delete_vhost", vhost)
        self.vhosts.clear()

    def database_url(self, name: str) -> str:
        """A fresh database for `name` in this session, as an SQLAlchemy asyncpg URL."""
        db = f"{self.prefix}_{name}"
        if db not in self.databases:
            _run_blocking(_create_database(self.pg_admin_dsn, db))
            self.databases.append(db)
        base = self.pg_admin_dsn.rsplit("/", 1)[0]
        return f"{base.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{db}"

    def drop_databases(self) -> None:
        for db in self.databases:
            _run_blocking(_drop_database(self.pg_admin_dsn, db))
        self.databases.clear()


def _run_blocking(work: Coroutine[Any, Any, None]) -> None:
    """Run `work` to completion, also when called from inside a running event loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, work).result()


async def _create_database(admin_dsn: str, name: str) -> None:
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def _drop_database(admin_dsn: str, name: str) -> None:
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


STALE_AFTER_SECONDS = 6 * 3600
_SESSION_NAME = re.compile(r"^(?:sigexp-)?t(\d{10})[0-9a-f]{4}(?:[_-]|$)")


def _stale(name: str) -> bool:
    """A database or vhost of a test session that ended hours ago without cleaning up
    (killed by a timeout, say)."""
    found = _SESSION_NAME.match(name)
    return found is not None and int(found.group(1)) < time.time() - STALE_AFTER_SECONDS


async def _stale_databases(admin_dsn: str) -> list[str]:
    conn = await asyncpg.connect(admin_dsn)
    try:
        rows = await conn.fetch("SELECT datname FROM pg_database")
    finally:
        await conn.close()
    return [row["datname"] for row in rows if _stale(row["datname"])]


def sweep_stale_sessions(admin_dsn: str) -> None:
    for db in asyncio.run(_stale_databases(admin_dsn)):
        _run_blocking(_drop_database(admin_dsn, db))
    listed = subprocess.run(
        ["rabbitmqctl", "-q", "list_vhosts"], capture_output=True, text=True, timeout=60
    )
    for vhost in listed.stdout.split():
        if _stale(vhost):
            _rabbitmqctl("delete_vhost", vhost)


def _new_vhost(vhost: str, amqp_url: str) -> None:
    """Create `vhost`, open to the user of `amqp_url`."""
    user = amqp_url.split("://", 1)[1].split(":", 1)[0]
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*")


def local_infra(stack: ExitStack) -> TestInfra:
    admin_dsn = os.environ.get(
        "SIGEXP_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    amqp_base = os.environ.get("SIGEXP_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    # Leftovers of killed sessions are swept meanwhile: nothing of this session waits for it.
    sweeper = threading.Thread(target=sweep_stale_sessions, args=(admin_dsn,), name="sweep")
    sweeper.start()
    stack.callback(sweeper.join)
    infra = TestInfra(pg_admin_dsn=admin_dsn, amqp_url="", local=True)
    vhost = f"sigexp-{infra.prefix}"
    _new_vhost(vhost, amqp_base)
    stack.callback(_rabbitmqctl, "delete_vhost", vhost)
    infra.amqp_url = amqp_base.rstrip("/") + "/" + vhost
    stack.callback(infra.delete_vhosts)
    stack.callback(infra.drop_databases)
    return infra


def container_infra(stack: ExitStack) -> TestInfra:
    from testcontainers.postgres import PostgresContainer
    from testcontainers.rabbitmq import RabbitMqContainer

    pg = stack.enter_context(PostgresContainer("postgres:16", driver=None))
    mq = stack.enter_context(RabbitMqContainer("rabbitmq:4-management"))
    params = mq.get_connection_params()
    amqp = f"amqp://guest:guest@{params.host}:{params.port}/"
    return TestInfra(pg_admin_dsn=pg.get_connection_url(), amqp_url=amqp)


def start_nanio(stack: ExitStack) -> S3Server:
    """A real S3 server (nanio) on a free port, data in a temporary folder."""
    data = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sigexp-s3-")))
    port = free_port()
    access, secret = "sigexp-test", uuid.uuid4().hex
    env = {**os.environ, "NANIO_ACCESS_KEY": access, "NANIO_SECRET_KEY": secret}
    nanio = shutil.which("nanio") or str(Path(sys.executable).with_name("nanio"))
    process = subprocess.Popen(
        [nanio, "serve", "--data-dir", str(data), "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    stack.callback(process.wait, 10)
    stack.callback(process.terminate)
    wait_for_port("127.0.0.1", port)
    return S3Server(endpoint=f"127.0.0.1:{port}", access_key=access, secret_key=secret)


def container_s3(stack: ExitStack) -> S3Server:
    from testcontainers.minio import MinioContainer

    minio = stack.enter_context(MinioContainer())
    config = minio.get_config()
    return S3Server(config["endpoint"], config["access_key"], config["secret_key"])


RABBITMQ_MANAGEMENT = "http://127.0.0.1:15672"


def ensure_rabbitmq_management(timeout: float = 60.0) -> str:
    """The local broker's HTTP management API (integraciones makes subscribers' users through
    it), enabling its plugin when it does not answer, as scripts/bootstrap.sh does."""

    def answers() -> bool:
        try:
            url = f"{RABBITMQ_MANAGEMENT}/api/overview"
            return httpx.get(url, auth=("guest", "guest"), timeout=5).is_success
        except httpx.HTTPError:
            return False

    if not answers():
        subprocess.run(
            ["rabbitmq-plugins", "enable", "rabbitmq_management"], check=True, timeout=120
        )
        deadline = time.monotonic() + timeout
        while not answers():
            if time.monotonic() > deadline:
                raise RuntimeError("RabbitMQ's management API did not answer on :15672")
            time.sleep(0.5)
    return RABBITMQ_MANAGEMENT
