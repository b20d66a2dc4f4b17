"""`python -m expedientes serve` with two HTTP workers: both serve, and the relay and the
consumer run once, in one messaging process beside them (restarted if it dies)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import aio_pika
import asyncpg
import httpx
import pytest
from prometheus_client.mmap_dict import MmapedDict

from sigexp_common.db import asyncpg_dsn
from sigexp_testing.catalogo import anunciar_tipo
from sigexp_testing.infra import TestInfra, free_port, wait_until_ready
from sigexp_testing.tokens import TokenFactory, jwks_server

ROOT = Path(__file__).resolve().parents[4]


@pytest.fixture
def jwks(tokens: TokenFactory) -> Iterator[str]:
    with jwks_server(tokens) as url:
        yield url


def _hijos(pid: int) -> dict[int, str]:
    """The processes `pid` started (pid: command line), from /proc."""
    hijos = {}
    for entrada in Path("/proc").iterdir():
        if not entrada.name.isdigit():
            continue
        try:
            ppid = int((entrada / "stat").read_text().rsplit(")", 1)[1].split()[1])
            linea = (entrada / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid:
            hijos[int(entrada.name)] = linea
    return hijos


async def _consumidores(amqp_url: str, cola: str) -> int:
    conexion = await aio_pika.connect(amqp_url)
    try:
        canal = await conexion.channel()
        try:
            declarada = await canal.declare_queue(cola, passive=True)
        except aio_pika.exceptions.ChannelNotFoundEntity:
            return 0  # not declared yet: the messaging process is still starting
        return int(declarada.declaration_result.consumer_count or 0)
    finally:
        await conexion.close()


async def _relays(dsn: str) -> int:
    """Connections of this database waiting for the outbox's NOTIFY: one per relay."""
    conexion = await asyncpg.connect(dsn)
    try:
        return int(
            await conexion.fetchval(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
            )
        )
    finally:
        await conexion.close()


async def _esperar(condicion: Callable[[], Awaitable[bool]], timeout: float = 30.0) -> None:
    limite = time.monotonic() + timeout
    while not await condicion():
        assert time.monotonic() < limite, "no pasó a tiempo"
        await asyncio.sleep(0.3)


@dataclass
class Servido:
    url: str
    proceso: subprocess.Popen[bytes]
    log: Path
    dsn: str
    amqp_url: str


@pytest.fixture
def servido(infra: TestInfra, jwks: str, tmp_path: Path) -> Iterator[Servido]:
    """`python -m expedientes serve` with EXPEDIENTES_WORKERS=2, its own database and vhost."""
    database_url = infra.database_url("procesos")
    amqp_url = infra.amqp_vhost("procesos")
    puerto = free_port()
    env = {
        **os.environ,
        "EXPEDIENTES_WORKERS": "2",
        "EXPEDIENTES_DATABASE_URL": database_url,
        "EXPEDIENTES_AMQP_URL": amqp_url,
        "EXPEDIENTES_JWKS_URL": jwks,
        "EXPEDIENTES_RELAY_POLL_SECONDS": "0.3",
    }
    log = tmp_path / "serve.log"
    with log.open("wb") as salida:
        proceso = subprocess.Popen(
            [sys.executable, "-m", "expedientes", "serve", "--port", str(puerto)],
            env=env,
            cwd=ROOT,
            stdout=salida,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{puerto}"
    try:
        wait_until_ready(url, proceso)
        yield Servido(url, proceso, log, asyncpg_dsn(database_url), amqp_url)
    finally:
        if proceso.poll() is None:
            proceso.send_signal(signal.SIGTERM)
            proceso.wait(timeout=30)


async def test_con_dos_workers_corre_un_solo_relay_y_un_solo_consumidor_y_vuelven_si_mueren(
    servido: Servido, mesa
) -> None:
    async def uno_de_cada_uno() -> bool:
        consumidores = await _consumidores(servido.amqp_url, "expedientes.events")
        return await _relays(servido.dsn) == 1 and consumidores == 1

    async def todo_publicado() -> bool:
        return await _sin_publicar(servido.dsn) == 0

    await _esperar(uno_de_cada_uno)
    await anunciar_tipo(servido.amqp_url, servido.dsn)
    hijos = _hijos(servido.proceso.pid)
    assert sum("spawn_main" in linea for linea in hijos.values()) == 3  # 2 HTTP + messaging

    async with httpx.AsyncClient(base_url=servido.url, timeout=10) as cliente:
        altas = [
            await cliente.post(
                "/api/v1/expedientes", json={"extracto": f"Alta {i}"}, headers=mesa.headers()
            )
            for i in range(6)
        ]
        assert [r.status_code for r in altas] == [201] * 6
        await _esperar(todo_publicado)  # by the one relay

        os.kill(_mensajeria(servido.log)[-1], signal.SIGKILL)
        await _esperar(lambda: _reiniciada(servido.log))
        await _esperar(uno_de_cada_uno)
        otra = await cliente.post(
            "/api/v1/expedientes", json={"extracto": "Después"}, headers=mesa.headers()
        )
        assert otra.status_code == 201
        await _esperar(todo_publicado)

    servido.proceso.send_signal(signal.SIGTERM)
    assert servido.proceso.wait(timeout=30) == 0
    assert not _hijos(servido.proceso.pid)


def _mensajeria(log: Path) -> list[int]:
    """Pids of the messaging processes `serve` started, in order (from its log)."""
    pids = []
    for linea in log.read_text(errors="replace").splitlines():
        if linea.startswith("{") and '"messaging process started"' in linea:
            pids.append(int(json.loads(linea)["pid"]))
    return pids


async def _reiniciada(log: Path) -> bool:
    return len(_mensajeria(log)) == 2


async def _sin_publicar(dsn: str) -> int:
    conexion = await asyncpg.connect(dsn)
    try:
        return int(
            await conexion.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
        )
    finally:
        await conexion.close()


PEDIDOS_DE_LA_RUTA = re.compile(
    r'^sigexp_http_requests_total\{method="GET",route="/api/v1/expedientes",status="200"\} '
    r"(\S+)$",
    re.MULTILINE,
)


def _servidos_por_worker(carpeta: Path) -> dict[int, float]:
    """Requests to the listing each process counted, from its own file of metrics."""
    por_pid = {}
    for archivo in carpeta.glob("counter_*.db"):
        pid = int(archivo.stem.rsplit("_", 1)[1])
        for clave, valor, _, _ in MmapedDict.read_all_values_from_file(str(archivo)):
            if "sigexp_http_requests_total" in clave and '"/api/v1/expedientes"' in clave:
                por_pid[pid] = por_pid.get(pid, 0.0) + valor
    return por_pid


def _atendieron_los_dos(servido: Servido) -> bool:
    """Both workers counted requests to the listing in their files of metrics (none without
    a folder of metrics: each worker then keeps its counts to itself)."""
    for pid in _hijos(servido.proceso.pid):
        entorno = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        for variable in entorno:
            if variable.startswith(b"PROMETHEUS_MULTIPROC_DIR="):
                carpeta = Path(variable.split(b"=", 1)[1].decode())
                por_worker = _servidos_por_worker(carpeta)
                return len([n for n in por_worker.values() if n > 0]) == 2
    return False


async def test_con_dos_workers_metrics_suma_los_pedidos_que_atendio_cada_uno(
    servido: Servido, mesa
) -> None:
    async def listar(_: int) -> int:
        # A connection per request: each may be accepted by either worker.
        async with httpx.AsyncClient(base_url=servido.url, timeout=20) as cliente:
            respuesta = await cliente.get("/api/v1/expedientes", headers=mesa.headers())
            return respuesta.status_code

    pedidos = 0
    for ronda in range(12):  # until both workers served some (the kernel picks who accepts)
        codigos = await asyncio.gather(*(listar(i) for i in range(10)))
        assert codigos == [200] * 10
        pedidos += 10
        if ronda >= 3 and _atendieron_los_dos(servido):
            break

    for _ in range(6):  # whichever worker answers the scrape
        async with httpx.AsyncClient(base_url=servido.url, timeout=10) as cliente:
            metricas = (await cliente.get("/metrics")).text
        encontrados = PEDIDOS_DE_LA_RUTA.findall(metricas)
        assert [float(n) for n in encontrados] == [pedidos], encontrados
    assert _atendieron_los_dos(servido)
