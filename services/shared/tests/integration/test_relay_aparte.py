"""The relay of a serving process runs away from the requests' event loop (its own thread,
loop, pool and broker connection): an event committed while that loop is busy leaves all the
same. Here the loop is blocked outright, the limit of a loop saturated by requests."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from typing import ClassVar

import asyncpg

from sigexp_common import outbox
from sigexp_common.app import ServiceSpec
from sigexp_common.db import transaction
from sigexp_common.envelope import Event
from sigexp_common.migrations import SHARED_MIGRATIONS
from sigexp_common.settings import ServiceSettings
from sigexp_testing.apps import running_app
from sigexp_testing.infra import TestInfra

LIMITE_S = 20.0  # a generous bound: the test holds whether it is published at all


class Avisado(Event):
    event_type: ClassVar[str] = "sigexp.prueba.avisado.v1"
    valor: str


def _spec(database_url: str, infra: TestInfra) -> ServiceSpec:
    settings = ServiceSettings(
        database_url=database_url,
        amqp_url=infra.amqp_url,
        migrate_on_start=False,
        run_relay=True,
        run_consumers=False,
    )
    return ServiceSpec(
        name="avisos",
        settings=settings,
        migrations_dir=SHARED_MIGRATIONS,
        routers=[],
        publica=[Avisado],
    )


async def _publicada(dsn: str, fila: uuid.UUID) -> bool:
    conn = await asyncpg.connect(dsn)
    try:
        limite = time.monotonic() + LIMITE_S
        while time.monotonic() < limite:
            if await conn.fetchval("SELECT published_at FROM outbox WHERE id = $1", fila):
                return True
            await asyncio.sleep(0.05)
        return False
    finally:
        await conn.close()


def _publicada_con_el_bucle_bloqueado(dsn: str, fila: uuid.UUID) -> bool:
    """Whether `fila` gets published while the calling event loop runs nothing at all: the
    check runs on a thread of its own and this one waits for it without yielding."""
    resultado: list[bool] = []
    hilo = threading.Thread(target=lambda: resultado.append(asyncio.run(_publicada(dsn, fila))))
    hilo.start()
    hilo.join()
    return resultado == [True]


async def test_un_evento_se_publica_aunque_el_bucle_de_las_peticiones_no_suelte(
    database_url: str, infra: TestInfra
) -> None:
    async with running_app(_spec(database_url, infra), wait_consumers=False) as (app, _):
        async with transaction(app.state.sessions) as db:
            fila = outbox.add(db, Avisado(valor="con el bucle ocupado")).id
        dsn = database_url.replace("postgresql+asyncpg://", "postgresql://")
        assert _publicada_con_el_bucle_bloqueado(dsn, uuid.UUID(str(fila)))
