"""`python -m auditoria consume` takes a burst of records with its 1000-message prefetch window
on two database connections: its handlers take batches, one batch per model at a time, so its
pool is sized by what they hold (`consumer.connections_needed`), not by the window. Several
services and their workers then fit PostgreSQL's default of 100 connections."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import asyncpg

from auditoria.consumers import HANDLERS
from auditoria.settings import Settings
from sigexp_common.broker import Broker
from sigexp_common.consumer import connections_needed
from sigexp_common.db import asyncpg_dsn
from sigexp_common.envelope import Envelope
from sigexp_testing.infra import TestInfra
from sigexp_testing.waiting import wait_until

ROOT = Path(__file__).resolve().parents[4]
RAFAGA = 800


def _acceso(expediente_id: uuid.UUID, i: int) -> Envelope:
    return Envelope(
        source="/sigexp/expedientes",
        type="sigexp.acceso.registrado.v1",
        subject=str(expediente_id),
        data={
            "en": "2026-11-20T10:00:00+00:00",
            "usuario": "mesa.cap",
            "accion": f"rafaga.{i}",
            "expediente_id": str(expediente_id),
        },
    )


def _auditoria(comando: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`python -m auditoria <comando>`; `migrate` is waited for (and must succeed)."""
    with log.open("wb") as salida:
        proceso = subprocess.Popen(
            [sys.executable, "-m", "auditoria", comando],
            env=env,
            cwd=ROOT,
            stdout=salida,
            stderr=subprocess.STDOUT,
        )
    if comando == "migrate":
        assert proceso.wait(timeout=120) == 0, log.read_text()
    return proceso


async def test_una_rafaga_de_800_registros_se_encadena_con_dos_conexiones_a_la_base(
    infra: TestInfra, tmp_path: Path
) -> None:
    database_url = infra.database_url("consumo_acotado")
    amqp_url = infra.amqp_vhost("consumo-acotado")
    env = {**os.environ, "AUDITORIA_DATABASE_URL": database_url, "AUDITORIA_AMQP_URL": amqp_url}
    await asyncio.to_thread(_auditoria, "migrate", env, tmp_path / "migrate.log")
    expediente_id = uuid.uuid4()
    broker = Broker(amqp_url)
    await broker.connect()
    try:  # the burst waits in the queue: the consumer starts with its window full at once
        for i in range(RAFAGA):
            evento = _acceso(expediente_id, i)
            await broker.publish(evento.to_bytes(), evento.type, message_id=str(evento.id))
    finally:
        await broker.close()

    tope = connections_needed(HANDLERS, Settings().prefetch)
    vistas: list[int] = []
    observador = await asyncpg.connect(asyncpg_dsn(database_url))
    proceso = _auditoria("consume", env, tmp_path / "consume.log")
    try:

        async def encadenados() -> bool:
            vistas.append(
                await observador.fetchval(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
            total = await observador.fetchval(
                "SELECT count(*) FROM registros WHERE expediente_id = $1", expediente_id
            )
            return bool(total == RAFAGA)

        await wait_until(encadenados, timeout=120)
    finally:
        proceso.terminate()
        await asyncio.to_thread(proceso.wait, 30)
        await observador.close()

    assert Settings().prefetch == 1000
    assert tope == 2  # one per batched model
    print(f"\nconnections seen during the burst: at most {max(vistas)} (bound {tope})")
    assert 0 < max(vistas) <= tope, vistas
