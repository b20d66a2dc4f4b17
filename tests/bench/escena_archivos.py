"""What the file benches (subidas.py, transferencias.py) start: archivos, and the gateway in
front of it, over a nanio bucket, the local PostgreSQL and a broker vhost of their own, with
tokens from a JWKS of the bench's; and an expediente archivos heard of by the bus, held by
the desk the bench's token names.

archivos is migrated first, as Kubernetes' init container does, and served without migrating:
its API process's memory is then the one a pod has.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import uuid
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from sigexp_common.broker import Broker
from sigexp_common.envelope import Envelope
from sigexp_common.ids import uuid7
from sigexp_testing.eventos import custodia_actualizada
from sigexp_testing.infra import (
    S3Server,
    free_port,
    local_infra,
    start_nanio,
    wait_until_ready,
    wait_until_writable,
)
from sigexp_testing.tokens import TokenFactory, jwks_server

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Escena:
    archivos: str  # archivos' base URL
    gateway: str | None  # the gateway's, when it was started
    pid_archivos: int
    pid_gateway: int | None
    s3: S3Server
    token: str  # a CARGA clerk of the desk holding `expediente_id`
    expediente_id: uuid.UUID


def arrancar(
    stack: ExitStack,
    nombre: str,
    max_upload_mb: int,
    con_gateway: bool = True,
    extra: dict[str, str] | None = None,
) -> Escena:
    """Everything started, stopped when `stack` closes; `nombre` names its database, vhost
    and log folder; `extra` adds to the processes' environment."""
    infra = local_infra(stack)
    s3 = start_nanio(stack)
    tokens = TokenFactory()
    jwks = stack.enter_context(jwks_server(tokens))
    logs = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"sigexp-{nombre}-")))
    amqp = infra.amqp_vhost(nombre)
    puerto, puerto_gw, ops_gw = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "ARCHIVOS_DATABASE_URL": infra.database_url(nombre.replace("-", "_")),
        "ARCHIVOS_AMQP_URL": amqp,
        "ARCHIVOS_JWKS_URL": jwks,
        "ARCHIVOS_WORKERS": "1",
        "ARCHIVOS_LOG_LEVEL": "WARNING",
        "ARCHIVOS_S3_ENDPOINT": s3.endpoint,
        "ARCHIVOS_S3_ACCESS_KEY": s3.access_key,
        "ARCHIVOS_S3_SECRET_KEY": s3.secret_key,
        "ARCHIVOS_S3_BUCKET": "sigexp-bench",
        "ARCHIVOS_MAX_UPLOAD_MB": str(max_upload_mb),
        "GATEWAY_ARCHIVOS_URL": f"http://127.0.0.1:{puerto}",
        "GATEWAY_JWKS_URL": jwks,
        "GATEWAY_AMQP_URL": amqp,
        "GATEWAY_OPS_PORT": str(ops_gw),
        "GATEWAY_LOG_LEVEL": "WARNING",
        "GATEWAY_USER_RATE_PER_SECOND": "0",
        "GATEWAY_ADDRESS_RATE_PER_SECOND": "0",
        **(extra or {}),
    }
    subprocess.run([sys.executable, "-m", "archivos", "migrate"], env=env, cwd=ROOT, check=True)
    env["ARCHIVOS_MIGRATE_ON_START"] = "false"
    servicio = lanzar(["archivos", "serve", "--port", str(puerto)], env, logs / "a.log", stack)
    base = f"http://127.0.0.1:{puerto}"
    wait_until_ready(base, servicio, timeout=180)
    wait_until_writable(base)
    gateway = None
    if con_gateway:
        gateway = lanzar(["gateway", "serve", "--port", str(puerto_gw)], env, logs / "g.log", stack)
        wait_until_ready(f"http://127.0.0.1:{ops_gw}", gateway, timeout=180)
        wait_until_writable(f"http://127.0.0.1:{ops_gw}")
    mesa = uuid.uuid4()
    return Escena(
        base,
        f"http://127.0.0.1:{puerto_gw}" if gateway else None,
        servicio.pid,
        gateway.pid if gateway else None,
        s3,
        tokens.token("CARGA", mesa_id=mesa, usuario="bench"),
        asyncio.run(expediente_por_bus(amqp, mesa)),
    )


def lanzar(
    args: list[str], env: dict[str, str], log: Path, stack: ExitStack
) -> subprocess.Popen[bytes]:
    """`python -m <args>` from the root (no bench module hides its package), its output in
    `log`, terminated and awaited when `stack` closes."""
    with log.open("ab") as salida:
        proceso = subprocess.Popen(
            [sys.executable, "-m", *args], env=env, cwd=ROOT, stdout=salida, stderr=salida
        )
    stack.callback(proceso.wait, 15)
    stack.callback(proceso.terminate)
    return proceso


async def expediente_por_bus(amqp_url: str, mesa: uuid.UUID) -> uuid.UUID:
    """A PUBLICO expediente archivos hears of by the bus, held by `mesa` with ESCRITURA."""
    ident = uuid7()
    custodia = custodia_actualizada(ident, mesa)
    broker = Broker(amqp_url)
    await broker.connect()
    try:
        for tipo, datos in (
            ("sigexp.expediente.iniciado.v1", {"expediente_id": str(ident), "caracter": "PUBLICO"}),
            ("sigexp.custodia.actualizada.v1", custodia),
        ):
            evento = Envelope(
                source="/sigexp/bench", type=tipo, subject=str(ident), sequence=1, data=datos
            )
            await broker.publish(evento.to_bytes(), evento.type, message_id=str(evento.id))
    finally:
        await broker.close()
    return ident


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process used so far."""
    campos = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(campos[11]) + int(campos[12])) / os.sysconf("SC_CLK_TCK")


def rss_kb(pid: int) -> int:
    for linea in Path(f"/proc/{pid}/status").read_text().splitlines():
        if linea.startswith("VmRSS:"):
            return int(linea.split()[1])
    return 0
