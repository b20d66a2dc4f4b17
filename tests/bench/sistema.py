"""The system under load: started here on free ports over the local servers, or one already
running (given its URLs).

Started the way tests/e2e does it: every service but auth at once (`serve` migrates its own
database), `auth demo` meanwhile (auth's schema, demo users, the catalogue), then auth. All in
a throwaway set of databases and a vhost of their own (sigexp_testing.infra: dropped at the end,
and swept by the next test session if a run is killed), nanio for archivos, an SMTP catcher.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Collection
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import aio_pika
import httpx
from cpu import escuchando

from sigexp_testing import workspace
from sigexp_testing.infra import (
    ServiceDidNotStart,
    TestInfra,
    free_port,
    start_nanio,
    wait_until_ready,
    wait_until_writable,
)
from sigexp_testing.mailcatcher import start_mailcatcher

ROOT = Path(__file__).resolve().parents[2]
ADMIN = ("admin", "Admin-Bench-Sigexp-2026")
CONSUMERS_STARTED = re.compile(r"^sigexp_consumers_started 1\.0$", re.MULTILINE)


@dataclass
class Sistema:
    urls: dict[str, str]  # service → http://127.0.0.1:PORT (the gateway included)
    raices: dict[int, str] = field(default_factory=dict)  # pid → service, when started here
    bases: tuple[str, ...] = ()  # this run's databases, when started here
    logs: Path | None = None

    def url(self, service: str) -> str:
        return self.urls[service]


def _environment(
    infra: TestInfra, ports: dict[str, int], s3: tuple[str, str, str], smtp_port: int
) -> dict[str, str]:
    amqp = infra.amqp_vhost("bench")
    jwks = f"http://127.0.0.1:{ports['auth']}/.well-known/jwks.json"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for service in workspace.with_database():
        prefix = service.env_prefix
        env[prefix + "DATABASE_URL"] = infra.database_url(f"bench_{service.name}")
        env[prefix + "AMQP_URL"] = amqp
        env[prefix + "JWKS_URL"] = jwks
        env[prefix + "LOG_LEVEL"] = "WARNING"
        # One process per service, as `make up` runs them: on this 2-core box more workers
        # only add start-up time; `BENCH_WORKERS` measures more.
        env[prefix + "WORKERS"] = os.environ.get("BENCH_WORKERS", "1")
        env[f"GATEWAY_{service.name.upper()}_URL"] = f"http://127.0.0.1:{ports[service.name]}"
    endpoint, access, secret = s3
    env.update(
        {
            "AUTH_SMTP_HOST": "127.0.0.1",
            "AUTH_SMTP_PORT": str(smtp_port),
            "AUTH_PUBLIC_URL": f"http://127.0.0.1:{ports[workspace.GATEWAY]}",
            "GATEWAY_OPS_PORT": str(free_port()),
            "SIGEXP_ADMIN_USUARIO": ADMIN[0],
            "SIGEXP_ADMIN_PASSWORD": ADMIN[1],
            "ARCHIVOS_S3_ENDPOINT": endpoint,
            "ARCHIVOS_S3_ACCESS_KEY": access,
            "ARCHIVOS_S3_SECRET_KEY": secret,
            "ARCHIVOS_S3_BUCKET": "sigexp-bench",
            "AUDITORIA_S3_ENDPOINT": endpoint,  # the chain's anchors
            "AUDITORIA_S3_ACCESS_KEY": access,
            "AUDITORIA_S3_SECRET_KEY": secret,
            "AUDITORIA_S3_BUCKET": "sigexp-bench",
            "GATEWAY_JWKS_URL": jwks,
            "GATEWAY_AMQP_URL": amqp,
            "GATEWAY_LOG_LEVEL": "WARNING",
            # One user from one address at thousands of requests a second: the bench measures
            # the path, not the gateway's rate limits (tested on their own).
            "GATEWAY_USER_RATE_PER_SECOND": "0",
            "GATEWAY_ADDRESS_RATE_PER_SECOND": "0",
        }
    )
    return env


def _launch(
    service: str,
    port: int,
    env: dict[str, str],
    logs: Path,
    stack: ExitStack,
    command: tuple[str, ...] = ("serve",),
    log_name: str | None = None,
) -> subprocess.Popen[bytes]:
    if command == ("serve",):
        command = ("serve", "--port", str(port))
    with (logs / f"{log_name or service}.log").open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", service, *command],
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    stack.callback(process.terminate)  # all at once; `parar` waits for them together
    return process


def parar(*processes: subprocess.Popen[bytes]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_serving(service: str, url: str, process: subprocess.Popen[bytes], logs: Path) -> None:
    try:
        wait_until_ready(url, process, timeout=120)
        if service == workspace.GATEWAY:
            return
        deadline = time.monotonic() + 60
        while not CONSUMERS_STARTED.search(httpx.get(url + "/metrics", timeout=5).text):
            if time.monotonic() > deadline:
                raise ServiceDidNotStart("its consumers did not start in 60s")
            time.sleep(0.2)
    except ServiceDidNotStart as exc:
        tail = (logs / f"{service}.log").read_text(errors="replace")[-3000:]
        raise ServiceDidNotStart(f"{service}: {exc}\n{tail}") from exc


def _wait_consuming(
    service: str, amqp: str, process: subprocess.Popen[bytes], logs: Path, timeout: float = 180
) -> None:
    """Until `python -m <service> consume` has a consumer on `<service>.events` (a passive
    declaration answers the queue's consumer count)."""

    async def consumers() -> int:
        connection = await aio_pika.connect(amqp)
        try:
            channel = await connection.channel()
            queue = await channel.declare_queue(f"{service}.events", passive=True)
            return int(queue.declaration_result.consumer_count or 0)
        except aio_pika.exceptions.ChannelClosed:  # not declared yet
            return 0
        finally:
            await connection.close()

    deadline = time.monotonic() + timeout
    while asyncio.run(consumers()) < 1:
        if process.poll() is not None or time.monotonic() > deadline:
            tail = (logs / f"{service}-consume.log").read_text(errors="replace")[-3000:]
            raise ServiceDidNotStart(f"{service} consume: not consuming\n{tail}")
        time.sleep(0.2)


def arrancar(stack: ExitStack, infra: TestInfra, aparte: Collection[str] = ()) -> Sistema:
    """Every service and the gateway as subprocesses over `infra`'s servers (its databases and
    vhost go when `stack` closes); stopped when `stack` closes. The services in `aparte` run
    as deployed (deploy/k8s): the HTTP process alone, and `relay` and `consume` in processes
    of their own; the others keep them inside their one HTTP process."""
    s3 = start_nanio(stack)
    logs = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sigexp-bench-")))
    mail = logs / "correo"
    mail.mkdir()
    catcher = start_mailcatcher(mail)
    stack.callback(catcher.stop)
    names = workspace.names()
    ports = {name: free_port() for name in names}
    env = _environment(infra, ports, (s3.endpoint, s3.access_key, s3.secret_key), catcher.port)
    for service in workspace.with_database():
        if service.name in aparte:
            env[service.env_prefix + "RUN_RELAY"] = "false"
            env[service.env_prefix + "RUN_CONSUMERS"] = "false"
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    processes: dict[str, subprocess.Popen[bytes]] = {}
    stack.callback(lambda: parar(*processes.values()))  # runs after every terminate
    for name in names:
        if name != "auth":
            processes[name] = _launch(name, ports[name], env, logs, stack)
    demo = subprocess.run(
        [sys.executable, "-m", "auth", "demo"], env=env, cwd=ROOT, capture_output=True
    )
    if demo.returncode != 0:
        output = (demo.stdout + demo.stderr).decode(errors="replace")[-3000:]
        raise ServiceDidNotStart(f"`auth demo` exited {demo.returncode}:\n{output}")
    # The gateway's health is on its operations listener, not on its public port.
    probed = {**urls, workspace.GATEWAY: f"http://127.0.0.1:{env['GATEWAY_OPS_PORT']}"}
    for name, process in processes.items():
        _wait_serving(name, probed[name], process, logs)
    for name in aparte:  # their queue exists and is consumed before auth publishes anything
        for command in ("relay", "consume"):
            processes[f"{name}-{command}"] = _launch(
                name, 0, env, logs, stack, (command,), f"{name}-{command}"
            )
        _wait_consuming(name, env["GATEWAY_AMQP_URL"], processes[f"{name}-consume"], logs)
    processes["auth"] = _launch("auth", ports["auth"], env, logs, stack)
    _wait_serving("auth", urls["auth"], processes["auth"], logs)
    for url in probed.values():  # writes wait for each process's list of revoked sessions
        wait_until_writable(url)
    return Sistema(
        urls=urls,
        raices={p.pid: name for name, p in processes.items()},
        bases=tuple(infra.databases),
        logs=logs,
    )


def existente(urls: dict[str, str], bases: tuple[str, ...]) -> Sistema:
    """A system already running on this machine: each service's process is the one listening
    on its URL's port (its children too); `bases`, its databases (empty: every backend)."""
    for name in (workspace.GATEWAY, "auth", "expedientes"):
        if name not in urls:
            raise ValueError(f"falta --url {name}=http://127.0.0.1:PUERTO")
    raices = {}
    for name, url in urls.items():
        pid = escuchando(urlsplit(url).port or 80)
        if pid is None:
            raise ValueError(f"nada escucha en {url} ({name}) en esta máquina")
        raices[pid] = name
    return Sistema(urls=urls, raices=raices, bases=bases)


def errores(sistema: Sistema, cuantos: int = 3) -> dict[str, list[str]]:
    """The first ERROR lines of each service's log (a 500 under load says why there)."""
    if sistema.logs is None:
        return {}
    encontrados: dict[str, list[str]] = {}
    for log in sorted(sistema.logs.glob("*.log")):
        lineas = [
            _resumen(linea)
            for linea in log.read_text(errors="replace").splitlines()
            if '"level": "ERROR"' in linea
        ]
        if lineas:
            encontrados[log.stem] = lineas[:cuantos]
    return encontrados


def _resumen(linea: str) -> str:
    """A JSON log record as its message and the last line of its traceback."""
    try:
        datos = json.loads(linea)
    except ValueError:
        return linea[:300]
    final = str(datos.get("exc", "")).strip().splitlines()[-1:] or [""]
    return f"{datos.get('msg', '')} | {final[0]}"[:300]
