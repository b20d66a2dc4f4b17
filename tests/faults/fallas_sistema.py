"""The system the faults hit: every process it needs, on a PostgreSQL cluster and a RabbitMQ
node of its own (the machine's shared servers are never stopped).

auth, auditoria and the gateway run as `serve` (auditoria's relay and consumer inside it);
expedientes and pases run their HTTP `serve` without relay and consumers, and `relay` and
`consume` as processes of their own, so each kind can be killed alone. archivos and
integraciones play no part in pases and receptions and are left out (the gateway's addresses
for them lead nowhere).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import aio_pika
import asyncpg
import httpx

from sigexp_common.db import asyncpg_dsn
from sigexp_testing import workspace
from sigexp_testing.infra import (
    REVOCATIONS_LIVE,
    S3Server,
    ServiceDidNotStart,
    TestInfra,
    free_port,
)
from sigexp_testing.private_broker import PrivateBroker
from sigexp_testing.private_postgres import PrivatePostgres

ROOT = Path(__file__).resolve().parents[2]
FUERA = {"archivos", "integraciones"}  # no part in pases and receptions
CON_BASE = tuple(s.name for s in workspace.with_database() if s.name not in FUERA)
PARTIDOS = ("expedientes", "pases")  # HTTP, relay and consumer in three processes
HTTP = (*CON_BASE, "gateway")
ADMIN = ("admin", "Admin-Fallas-2026")


@dataclass
class Sistema:
    postgres: PrivatePostgres
    broker: PrivateBroker
    ports: dict[str, int]
    env: dict[str, str]
    logs: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def gateway(self) -> str:
        return self.url("gateway")

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def ops_url(self, service: str) -> str:
        if service == "gateway":
            return f"http://127.0.0.1:{self.env['GATEWAY_OPS_PORT']}"
        return self.url(service)

    def dsn(self, service: str) -> str:
        return asyncpg_dsn(self.env[f"{service.upper()}_DATABASE_URL"])

    def log(self, nombre: str) -> str:
        return (self.logs / f"{nombre}.log").read_text(errors="replace")

    def launch(self, nombre: str) -> None:
        """`pases` is its HTTP process, `pases-relay` and `pases-consume` the others."""
        service, _, kind = nombre.partition("-")
        command = [sys.executable, "-m", service, kind or "serve"]
        env = dict(self.env)
        if not kind:
            command += ["--port", str(self.ports[service])]
            if service in PARTIDOS:
                prefix = service.upper()
                env[f"{prefix}_RUN_RELAY"] = env[f"{prefix}_RUN_CONSUMERS"] = "false"
        with (self.logs / f"{nombre}.log").open("ab") as output:
            self.processes[nombre] = subprocess.Popen(
                command, env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT
            )

    def kill9(self, nombre: str) -> None:
        process = self.processes[nombre]
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=15)

    async def wait_http(self, service: str, timeout: float = 300.0) -> None:
        """Ready, and taking writes (its list of revoked sessions loaded from auth)."""
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=5) as client:
            while time.monotonic() < deadline:
                self.vivo(service)
                try:
                    listo = await client.get(self.ops_url(service) + "/health/ready")
                    metricas = await client.get(self.ops_url(service) + "/metrics")
                    if listo.status_code == 200 and REVOCATIONS_LIVE in metricas.text:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
        raise ServiceDidNotStart(f"{service} no quedó listo\n{self.log(service)[-3000:]}")

    async def wait_consuming(self, service: str, timeout: float = 300.0) -> None:
        """Until `<service>.events` has a consumer (its `consume` process, or auditoria's)."""
        deadline = time.monotonic() + timeout
        nombre = f"{service}-consume" if service in PARTIDOS else service
        while time.monotonic() < deadline:
            self.vivo(nombre)
            if await self.consumidores(service) > 0:
                return
            await asyncio.sleep(0.3)
        raise ServiceDidNotStart(f"{nombre} no consume\n{self.log(nombre)[-3000:]}")

    async def consumidores(self, service: str) -> int:
        try:
            connection = await aio_pika.connect(self.broker.amqp_url, timeout=5)
        except (OSError, aio_pika.exceptions.AMQPError, TimeoutError):
            return 0
        async with connection:
            channel = await connection.channel()
            try:
                queue = await channel.declare_queue(f"{service}.events", passive=True)
            except aio_pika.exceptions.ChannelClosed:
                return 0
            return int(queue.declaration_result.consumer_count or 0)

    def vivo(self, nombre: str) -> None:
        process = self.processes[nombre]
        if process.poll() is not None:
            raise ServiceDidNotStart(
                f"{nombre} terminó con {process.returncode}\n{self.log(nombre)[-3000:]}"
            )

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def environment(
    infra: TestInfra, s3: S3Server, smtp_port: int, ports: dict[str, int]
) -> dict[str, str]:
    jwks = f"http://127.0.0.1:{ports['auth']}/.well-known/jwks.json"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for service in CON_BASE:
        prefix = service.upper() + "_"
        env[prefix + "DATABASE_URL"] = infra.database_url(f"fallas_{service}")
        env[prefix + "AMQP_URL"] = infra.amqp_url
        env[prefix + "JWKS_URL"] = jwks
        env[prefix + "RELAY_POLL_SECONDS"] = "0.5"
        env[prefix + "WORKERS"] = "1"
    nowhere = f"http://127.0.0.1:{free_port()}"
    env.update(
        {
            "AUTH_SMTP_HOST": "127.0.0.1",
            "AUTH_SMTP_PORT": str(smtp_port),
            "AUTH_PUBLIC_URL": f"http://127.0.0.1:{ports['gateway']}",
            "SIGEXP_ADMIN_USUARIO": ADMIN[0],
            "SIGEXP_ADMIN_PASSWORD": ADMIN[1],
            "GATEWAY_JWKS_URL": jwks,
            "GATEWAY_OPS_PORT": str(free_port()),
            "GATEWAY_AMQP_URL": infra.amqp_url,
            "GATEWAY_WORKERS": "1",
            # the load comes from one address and two users: no rate limit in its way
            "GATEWAY_USER_RATE_PER_SECOND": "0",
            "GATEWAY_ADDRESS_RATE_PER_SECOND": "0",
        }
    )
    for service in CON_BASE:
        env[f"GATEWAY_{service.upper()}_URL"] = f"http://127.0.0.1:{ports[service]}"
    for service in FUERA:
        env[f"GATEWAY_{service.upper()}_URL"] = nowhere
    owner = urlsplit(env["AUDITORIA_DATABASE_URL"])
    env["AUDITORIA_RUNTIME_DATABASE_URL"] = urlunsplit(
        owner._replace(netloc="sigexp_auditoria_servicio@" + owner.netloc.rsplit("@", 1)[-1])
    )
    env["AUDITORIA_DATA_DIR"] = tempfile.mkdtemp(prefix="sigexp-fallas-auditoria-")
    for name, value in (
        ("ENDPOINT", s3.endpoint), ("ACCESS_KEY", s3.access_key),
        ("SECRET_KEY", s3.secret_key), ("BUCKET", "sigexp-fallas"),
    ):  # fmt: skip
        env[f"AUDITORIA_S3_{name}"] = value
    return env


async def _auth_demo(env: dict[str, str], logs: Path) -> None:
    """`python -m auth demo`: auth's schema, the demo users and the catalogue."""
    with (logs / "auth-demo.log").open("ab") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "auth", "demo", env=env, cwd=ROOT, stdout=output, stderr=output
        )
        if await process.wait() != 0:
            raise ServiceDidNotStart(f"`auth demo`\n{(logs / 'auth-demo.log').read_text()}")


async def _wait_catalogue(dsn: str, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        conexion = await asyncpg.connect(dsn)
        try:
            if await conexion.fetchval("SELECT count(*) FROM tipos"):
                return
        finally:
            await conexion.close()
        await asyncio.sleep(0.3)
    raise ServiceDidNotStart("el catálogo de tipos no llegó a expedientes")


async def start(sistema: Sistema) -> None:
    """Every process; auth last (after its demo data), as tests/e2e starts the system."""
    first = [s for s in HTTP if s != "auth"]
    for service in first:
        sistema.launch(service)
    await _auth_demo(sistema.env, sistema.logs)
    for service in first:
        if service != "gateway":
            await _wait_ready_only(sistema, service)
    for service in PARTIDOS:
        sistema.launch(f"{service}-relay")
        sistema.launch(f"{service}-consume")
    for service in (*PARTIDOS, "auditoria"):  # their queues bound before auth's catalogue
        await sistema.wait_consuming(service)
    sistema.launch("auth")
    for service in HTTP:
        await sistema.wait_http(service)
    await _wait_catalogue(sistema.dsn("expedientes"))


async def _wait_ready_only(sistema: Sistema, service: str, timeout: float = 300.0) -> None:
    """Migrated and answering (taking writes needs auth, started later)."""
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=5) as client:
        while time.monotonic() < deadline:
            sistema.vivo(service)
            try:
                if (await client.get(sistema.url(service) + "/health/ready")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise ServiceDidNotStart(f"{service} no arrancó\n{sistema.log(service)[-3000:]}")
