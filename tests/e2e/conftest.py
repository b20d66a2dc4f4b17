"""The whole system as separate processes on free ports, over the session's real servers.

Started with as few interpreters as possible and everything independent at once: each service
migrates its own database when it starts (`serve` does), so all of them but auth start together
while `auth demo` migrates auth and loads the demo users and catalogue; auth starts once the
others consume, so the catalogue it sends finds their queues. Python start-up is most of the
cost on a 2-core machine: no separate `migrate` process per service.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest

from sigexp_common.db import asyncpg_dsn
from sigexp_testing import workspace
from sigexp_testing.infra import (
    S3Server,
    ServiceDidNotStart,
    TestInfra,
    free_port,
    wait_until_ready,
    wait_until_writable,
)

ROOT = Path(__file__).resolve().parents[2]
WITH_DATABASE = tuple(s.name for s in workspace.with_database())
WITH_WORKER = tuple(s.name for s in workspace.services() if s.has_worker)
ADMIN = ("admin", "Admin-Prueba-E2E-2026")
CONSUMERS_STARTED = re.compile(r"^sigexp_consumers_started 1\.0$", re.MULTILINE)


@dataclass
class Sistema:
    gateway: str
    ports: dict[str, int]
    logs: Path
    mail_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def health_url(self, service: str) -> str:
        """Where `service` answers /health: the gateway on its operations listener."""
        if service == "gateway" and "GATEWAY_OPS_PORT" in self.env:
            return f"http://127.0.0.1:{self.env['GATEWAY_OPS_PORT']}"
        return self.url(service)

    def log(self, service: str) -> str:
        return (self.logs / f"{service}.log").read_text(errors="replace")

    def launch(self, service: str) -> None:
        with (self.logs / f"{service}.log").open("ab") as output:
            self.processes[service] = subprocess.Popen(
                [sys.executable, "-m", service, "serve", "--port", str(self.ports[service])],
                env=self.env,
                cwd=ROOT,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def launch_worker(self, service: str) -> None:
        """`python -m <service> worker`, one process as `make up` runs (its digitisation)."""
        nombre = f"{service}-worker"
        with (self.logs / f"{nombre}.log").open("ab") as output:
            self.processes[nombre] = subprocess.Popen(
                [sys.executable, "-m", service, "worker"],
                env=self.env,
                cwd=ROOT,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def wait_serving(self, service: str) -> None:
        """Ready (it answers) and, for a service, consuming: readiness leaves the broker out,
        but these tests publish and expect effects from the first request."""
        try:
            wait_until_ready(self.health_url(service), self.processes[service])
            if service != "gateway":
                self._wait_consumers(service)
        except ServiceDidNotStart as exc:
            raise ServiceDidNotStart(f"{service}: {exc}\n{self.log(service)[-3000:]}") from exc

    def _wait_consumers(self, service: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            metrics = httpx.get(self.url(service) + "/metrics", timeout=10).text
            if CONSUMERS_STARTED.search(metrics):
                return
            time.sleep(0.2)
        raise ServiceDidNotStart(f"its consumers did not start in {timeout:.0f}s")

    def wait_writable(self) -> None:
        """Every process takes writes: its revoked sessions are loaded (they come from auth)."""
        for service in self.ports:
            wait_until_writable(self.health_url(service))

    def start(self, service: str) -> None:
        self.launch(service)
        self.wait_serving(service)

    def stop(self, service: str) -> None:
        process = self.processes[service]
        process.terminate()
        process.wait(timeout=15)


def _environment(
    infra: TestInfra,
    s3: S3Server,
    smtp: tuple[int, Path],
    ports: dict[str, int],
    traces: Path | None = None,
) -> dict[str, str]:
    amqp = infra.amqp_vhost("e2e")
    jwks = f"http://127.0.0.1:{ports['auth']}/.well-known/jwks.json"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for service in WITH_DATABASE:
        prefix = service.upper() + "_"
        env[prefix + "DATABASE_URL"] = infra.database_url(f"e2e_{service}")
        env[prefix + "AMQP_URL"] = amqp
        env[prefix + "JWKS_URL"] = jwks
        env[prefix + "RELAY_POLL_SECONDS"] = "0.5"
        env[prefix + "WORKERS"] = "1"  # `_wait_consumers` reads the consumers' own /metrics
        if traces is not None:  # tests/e2e/test_trazas.py follows a pase through them
            env[prefix + "TRACES"] = f"archivo:{traces / service}.jsonl"
    env.update(
        {
            "AUTH_SMTP_HOST": "127.0.0.1",
            "AUTH_SMTP_PORT": str(smtp[0]),
            "AUTH_PUBLIC_URL": f"http://127.0.0.1:{ports['gateway']}",
            "SIGEXP_ADMIN_USUARIO": ADMIN[0],
            "SIGEXP_ADMIN_PASSWORD": ADMIN[1],
            "ARCHIVOS_S3_ENDPOINT": s3.endpoint,
            "ARCHIVOS_S3_ACCESS_KEY": s3.access_key,
            "ARCHIVOS_S3_SECRET_KEY": s3.secret_key,
            "ARCHIVOS_S3_BUCKET": "sigexp-e2e",
            "GATEWAY_JWKS_URL": jwks,
            "GATEWAY_OPS_PORT": str(free_port()),
            "GATEWAY_AMQP_URL": amqp,
        }
    )
    if traces is not None:
        env["GATEWAY_TRACES"] = f"archivo:{traces / 'gateway'}.jsonl"
    for service in WITH_DATABASE:
        env[f"GATEWAY_{service.upper()}_URL"] = f"http://127.0.0.1:{ports[service]}"
    # auditoria runs as its own role (INSERT and SELECT only on the chain), as under `make up`,
    # and writes its anchors to the session's S3.
    owner = urlsplit(env["AUDITORIA_DATABASE_URL"])
    env["AUDITORIA_RUNTIME_DATABASE_URL"] = urlunsplit(
        owner._replace(netloc="sigexp_auditoria_servicio@" + owner.netloc.rsplit("@", 1)[-1])
    )
    env["AUDITORIA_DATA_DIR"] = tempfile.mkdtemp(prefix="sigexp-e2e-auditoria-")
    for name, value in (
        ("ENDPOINT", s3.endpoint), ("ACCESS_KEY", s3.access_key),
        ("SECRET_KEY", s3.secret_key), ("BUCKET", "sigexp-e2e"),
    ):  # fmt: skip
        env[f"AUDITORIA_S3_{name}"] = value
    return env


def _command(env: dict[str, str], service: str, command: str) -> None:
    """Run `python -m <service> <command>`; fail with its output."""
    done = subprocess.run(
        [sys.executable, "-m", service, command], env=env, cwd=ROOT, capture_output=True
    )
    if done.returncode != 0:
        output = (done.stdout + done.stderr).decode(errors="replace")[-3000:]
        raise ServiceDidNotStart(f"`{service} {command}` exited {done.returncode}:\n{output}")


def _wait_catalogue(database_url: str, timeout: float = 30.0) -> None:
    """Until expedientes holds auth's tipos (an alta before them is 409 "ask again"): the
    catalogue `auth demo` loaded is relayed once auth runs."""

    async def tipos() -> int:
        conexion = await asyncpg.connect(asyncpg_dsn(database_url))
        try:
            return int(await conexion.fetchval("SELECT count(*) FROM tipos"))
        finally:
            await conexion.close()

    deadline = time.monotonic() + timeout
    while not asyncio.run(tipos()):
        if time.monotonic() > deadline:
            raise ServiceDidNotStart(
                f"the catalogue of tipos did not reach expedientes in {timeout:.0f}s"
            )
        time.sleep(0.2)


@pytest.fixture(scope="session")
def sistema(
    infra: TestInfra,
    s3: S3Server,
    smtp: tuple[int, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Sistema]:
    ports = {service: free_port() for service in (*WITH_DATABASE, "gateway")}
    logs = tmp_path_factory.mktemp("logs")
    env = _environment(infra, s3, smtp, ports, logs / "trazas")
    sistema = Sistema(f"http://127.0.0.1:{ports['gateway']}", ports, logs, smtp[1], env)
    with running(sistema):
        yield sistema


class _InfraDeSuite:
    """The session's servers under a suite's own names: `<suite>_*` databases, its vhost."""

    def __init__(self, infra: TestInfra, suite: str) -> None:
        self._infra, self._suite = infra, suite

    def amqp_vhost(self, suffix: str) -> str:
        return self._infra.amqp_vhost(self._suite)

    def database_url(self, name: str) -> str:
        return self._infra.database_url(name.replace("e2e_", f"{self._suite}_", 1))


@contextmanager
def system_of_its_own(
    suite: str,
    infra: TestInfra,
    s3: S3Server,
    smtp: tuple[int, Path],
    tmp_path_factory: pytest.TempPathFactory,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Sistema]:
    """The whole system as the e2e tests start it, in databases and a vhost of `suite`'s own:
    for a suite whose requests leave state (or refusals) the e2e tests must not meet."""
    ports = {service: free_port() for service in (*WITH_DATABASE, "gateway")}
    env = _environment(_InfraDeSuite(infra, suite), s3, smtp, ports)
    env.update(extra_env or {})
    logs = tmp_path_factory.mktemp(f"logs-{suite}")
    sistema = Sistema(f"http://127.0.0.1:{ports['gateway']}", ports, logs, smtp[1], env)
    with running(sistema):
        yield sistema


@contextmanager
def running(sistema: Sistema) -> Iterator[Sistema]:
    """Start every process of `sistema` (auth last, after its demo data; the digitisation
    workers, as `make up` does, once their service serves), wait until each takes writes and
    the catalogue reached expedientes; stop them all when the block ends. A worker is not
    waited for: its jobs wait in the queue its service's API declares."""
    ports, env = sistema.ports, sistema.env
    try:
        first = [service for service in ports if service != "auth"]
        for service in first:
            sistema.launch(service)
        _command(env, "auth", "demo")  # meanwhile: auth's schema, demo users and catalogue
        for service in first:
            sistema.wait_serving(service)
        for service in WITH_WORKER:
            sistema.launch_worker(service)
        sistema.start("auth")
        sistema.wait_writable()
        _wait_catalogue(env["EXPEDIENTES_DATABASE_URL"])
        yield sistema
    finally:
        for process in sistema.processes.values():
            process.terminate()
        for process in sistema.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
