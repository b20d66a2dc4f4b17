"""A read answered is a read recorded: `expedientes` killed with SIGKILL right after answering
N concurrent detail reads leaves, once it is started again, exactly N `expediente.ver` records
in auditoria's chain, and the chain verifies. Each record was committed (group-committed into
the outbox) before its answer was sent. The first process runs without its relay, as if the
kill came before the relay's next pass: every record must be in its outbox when it dies; the
restarted process's relay publishes them. Published once more (a relay that died between the
broker's confirm and marking its rows), they still make one record each."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from auditoria.main import build_spec
from auditoria.settings import Settings
from sigexp_common.broker import Broker
from sigexp_common.db import asyncpg_dsn
from sigexp_common.envelope import Envelope
from sigexp_testing.apps import running_app
from sigexp_testing.catalogo import anunciar_tipo
from sigexp_testing.infra import TestInfra, free_port, wait_until_ready, wait_until_writable
from sigexp_testing.tokens import TokenFactory, jwks_server
from sigexp_testing.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
LECTURAS = 24


@pytest.fixture
def jwks(tokens: TokenFactory) -> Iterator[str]:
    with jwks_server(tokens) as url:
        yield url


@pytest.fixture
async def auditoria(
    infra: TestInfra, tokens: TokenFactory
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """auditoria consuming from the vhost the expedientes process publishes to."""
    settings = Settings(
        database_url=infra.database_url("sigkill_auditoria"),
        amqp_url=infra.amqp_vhost("sigkill"),
        relay_poll_seconds=0.2,
    )
    async with running_app(build_spec(settings), verifier=tokens.verifier()) as app_y_cliente:
        yield app_y_cliente


@dataclass
class Expedientes:
    """`python -m expedientes serve` (one process: HTTP, relay and consumer), restartable."""

    env: dict[str, str]
    log: Path
    url: str = ""
    proceso: subprocess.Popen[bytes] | None = None

    def arrancar(self, relay: bool = True) -> None:
        self.env["EXPEDIENTES_RUN_RELAY"] = "true" if relay else "false"
        puerto = free_port()
        self.url = f"http://127.0.0.1:{puerto}"
        with self.log.open("ab") as salida:
            self.proceso = subprocess.Popen(
                [sys.executable, "-m", "expedientes", "serve", "--port", str(puerto)],
                env=self.env,
                cwd=ROOT,
                stdout=salida,
                stderr=subprocess.STDOUT,
            )
        wait_until_ready(self.url, self.proceso)
        wait_until_writable(self.url)

    def matar(self) -> None:
        assert self.proceso is not None
        os.kill(self.proceso.pid, signal.SIGKILL)
        self.proceso.wait(timeout=10)


@pytest.fixture
def expedientes(
    infra: TestInfra, jwks: str, tmp_path: Path, auditoria: object
) -> Iterator[Expedientes]:
    env = {
        **os.environ,
        "EXPEDIENTES_WORKERS": "1",
        "EXPEDIENTES_DATABASE_URL": infra.database_url("sigkill_expedientes"),
        "EXPEDIENTES_AMQP_URL": infra.amqp_vhost("sigkill"),
        "EXPEDIENTES_JWKS_URL": jwks,
        "EXPEDIENTES_RELAY_POLL_SECONDS": "0.3",
        # A group commit that waits long for company: an answer sent before its record was
        # committed would find the process dead before the commit, not a few ms after.
        "EXPEDIENTES_AUDIT_BATCH_MAX_WAIT_MS": "500",
    }
    servicio = Expedientes(env, tmp_path / "expedientes.log")
    servicio.arrancar(relay=False)
    try:
        yield servicio
    finally:
        if servicio.proceso is not None and servicio.proceso.poll() is None:
            servicio.proceso.terminate()
            servicio.proceso.wait(timeout=30)


async def _registros_de_lectura(app: FastAPI, ids: list[str]) -> tuple[int, int]:
    """(records, distinct expedientes) of `expediente.ver` on `ids` in auditoria's chain."""
    conexion = await asyncpg.connect(asyncpg_dsn(app.state.settings.database_url))
    try:
        fila = await conexion.fetchrow(
            "SELECT count(*), count(DISTINCT expediente_id) FROM registros "
            "WHERE accion = 'expediente.ver' AND expediente_id = ANY($1::uuid[])",
            ids,
        )
        return int(fila[0]), int(fila[1])
    finally:
        await conexion.close()


async def _lecturas_en_el_outbox(expedientes: Expedientes) -> list[Envelope]:
    conexion = await asyncpg.connect(asyncpg_dsn(expedientes.env["EXPEDIENTES_DATABASE_URL"]))
    try:
        filas = await conexion.fetch(
            "SELECT envelope::text FROM outbox WHERE envelope->'data'->>'accion' = 'expediente.ver'"
        )
        return [Envelope.from_bytes(fila[0].encode()) for fila in filas]
    finally:
        await conexion.close()


async def _publicar_otra_vez(amqp_url: str, eventos: list[Envelope]) -> None:
    broker = Broker(amqp_url)
    await broker.connect()
    try:
        for evento in eventos:
            await broker.publish(evento.to_bytes(), evento.type, message_id=str(evento.id))
    finally:
        await broker.close()


async def _sin_publicar(expedientes: Expedientes) -> int:
    conexion = await asyncpg.connect(asyncpg_dsn(expedientes.env["EXPEDIENTES_DATABASE_URL"]))
    try:
        return int(
            await conexion.fetchval(
                "SELECT count(*) FROM outbox WHERE published_at IS NULL "
                "AND envelope->'data'->>'accion' = 'expediente.ver'"
            )
        )
    finally:
        await conexion.close()


async def test_cada_lectura_respondida_deja_un_registro_aunque_el_servicio_muera_con_sigkill(
    expedientes: Expedientes,
    auditoria: tuple[FastAPI, httpx.AsyncClient],
    tokens: TokenFactory,
) -> None:
    app_auditoria, cliente_auditoria = auditoria
    mesa, organismo = uuid.uuid4(), uuid.uuid4()
    headers = {
        "Authorization": "Bearer "
        + tokens.token("MESA_ENTRADA", mesa_id=mesa, organismo_id=organismo)
    }
    await anunciar_tipo(
        expedientes.env["EXPEDIENTES_AMQP_URL"],
        asyncpg_dsn(expedientes.env["EXPEDIENTES_DATABASE_URL"]),
    )
    limites = httpx.Limits(max_connections=LECTURAS, max_keepalive_connections=LECTURAS)
    async with httpx.AsyncClient(base_url=expedientes.url, timeout=30, limits=limites) as cliente:
        ids = []
        for i in range(LECTURAS):
            alta = await cliente.post(
                "/api/v1/expedientes", json={"extracto": f"Lectura {i}"}, headers=headers
            )
            assert alta.status_code == 201, alta.text
            ids.append(alta.json()["id"])

        respuestas = await asyncio.gather(
            *(cliente.get(f"/api/v1/expedientes/{i}", headers=headers) for i in ids)
        )
        expedientes.matar()  # right after the last answer

    assert [r.status_code for r in respuestas] == [200] * LECTURAS
    assert await _sin_publicar(expedientes) == LECTURAS  # committed before they were answered
    expedientes.arrancar()  # its relay publishes what the killed one left in the outbox

    async def llegaron() -> bool:
        return (await _registros_de_lectura(app_auditoria, ids))[0] >= LECTURAS

    await wait_until(llegaron, timeout=60)
    copias = await _lecturas_en_el_outbox(expedientes)
    assert len(copias) == LECTURAS
    async with httpx.AsyncClient(base_url=expedientes.url, timeout=30) as cliente:
        await _publicar_otra_vez(expedientes.env["EXPEDIENTES_AMQP_URL"], copias)
        # A witness queued behind the copies: once its record is chained, they were seen.
        testigo = await cliente.get(f"/api/v1/expedientes/{ids[0]}", headers=headers)
        assert testigo.status_code == 200

    async def testigo_encadenado() -> bool:
        return (await _registros_de_lectura(app_auditoria, ids))[0] >= LECTURAS + 1

    await wait_until(testigo_encadenado, timeout=60)
    await asyncio.sleep(1)  # time for a late duplicate to show up, were there one
    assert await _registros_de_lectura(app_auditoria, ids) == (LECTURAS + 1, LECTURAS)
    admin = {"Authorization": f"Bearer {tokens.token('ADMIN')}"}
    verificacion = await cliente_auditoria.get("/api/v1/auditoria/verificacion", headers=admin)
    assert verificacion.status_code == 200, verificacion.text
    assert verificacion.json()["ok"] is True, verificacion.json()
