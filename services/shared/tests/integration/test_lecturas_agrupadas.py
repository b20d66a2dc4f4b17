"""Group commit of read records: concurrent reads share one transaction for their audit records,
each answer leaves only once its record is committed, and a batch that cannot be committed
answers 503 to every read in it. A tiny service over the real PostgreSQL, with its lifespan."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from sigexp_common import audit
from sigexp_common.app import ServiceSpec
from sigexp_common.audit_batch import APPLICATION_NAME, NO_REGISTRADA
from sigexp_common.db import Session
from sigexp_common.messaging_tables import OutboxMessage
from sigexp_common.migrations import SHARED_MIGRATIONS
from sigexp_common.security import Perfil, Usuario
from sigexp_common.settings import ServiceSettings
from sigexp_testing.apps import running_app
from sigexp_testing.infra import TestInfra

POR = Usuario(uuid.uuid4(), "consulta.prueba", Perfil.CONSULTA, None, None, None, False)
LECTURAS = 20  # concurrent: more than the pool holds would open connections others need


async def _ver_cosa(db: AsyncSession, cosa_id: uuid.UUID) -> dict[str, Any]:
    await db.execute(text("SELECT 1"))  # the read itself, in the request's transaction
    await audit.lectura(db, POR, "cosa.ver", f"cosa/{cosa_id}")
    return {"id": str(cosa_id)}


def _spec(database_url: str, infra: TestInfra) -> ServiceSpec:
    router = APIRouter()

    @router.get("/cosas/{cosa_id}")
    async def ver(cosa_id: uuid.UUID, db: Session) -> dict[str, Any]:
        return await _ver_cosa(db, cosa_id)

    settings = ServiceSettings(
        database_url=database_url,
        amqp_url=infra.amqp_url,
        migrate_on_start=False,
        run_relay=False,
        run_consumers=False,
    )
    return ServiceSpec(
        name="lectora", settings=settings, migrations_dir=SHARED_MIGRATIONS, routers=[router]
    )


@pytest.fixture
async def servicio(
    engine: AsyncEngine, database_url: str, infra: TestInfra
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    async with running_app(_spec(database_url, infra), wait_consumers=False) as app_client:
        yield app_client


class _Escrituras:
    """Transactions and outbox INSERTs of the batcher's connection."""

    def __init__(self, app: FastAPI) -> None:
        self.commits = self.inserts = 0
        sync = app.state.audit_batcher.engine.sync_engine
        event.listen(sync, "commit", self._commit)
        event.listen(sync, "before_cursor_execute", self._sentencia)

    def _commit(self, conn: Any) -> None:
        self.commits += 1

    def _sentencia(self, conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        self.inserts += sql.lstrip().upper().startswith("INSERT INTO OUTBOX")


async def _registros(engine: AsyncEngine) -> dict[str, dict[str, Any]]:
    """The read records in the outbox, by the request id that made them."""
    async with engine.connect() as conn:
        envelopes = await conn.scalars(
            select(OutboxMessage.envelope).where(
                OutboxMessage.type == audit.AccesoRegistrado.event_type
            )
        )
        return {e["requestid"]: e["data"] for e in envelopes}


async def _leer(cliente: httpx.AsyncClient, n: int) -> list[httpx.Response]:
    return list(await asyncio.gather(*(cliente.get(f"/cosas/{uuid.uuid4()}") for _ in range(n))))


async def test_lecturas_concurrentes_dejan_un_registro_cada_una_en_menos_transacciones(
    servicio: tuple[FastAPI, httpx.AsyncClient], engine: AsyncEngine
) -> None:
    app, cliente = servicio
    escrituras = _Escrituras(app)
    respuestas = await _leer(cliente, LECTURAS)
    assert [r.status_code for r in respuestas] == [200] * LECTURAS
    registros = await _registros(engine)
    assert sorted(registros) == sorted(r.headers["X-Request-ID"] for r in respuestas)
    assert {d["recurso"] for d in registros.values()} == {
        f"cosa/{r.json()['id']}" for r in respuestas
    }
    assert 1 <= escrituras.commits < LECTURAS
    assert escrituras.inserts == escrituras.commits, "one multi-row INSERT per transaction"
    print(f"\n{LECTURAS} reads, {escrituras.commits} group commits")


async def test_la_respuesta_sale_cuando_su_registro_ya_esta_guardado(
    servicio: tuple[FastAPI, httpx.AsyncClient], engine: AsyncEngine
) -> None:
    _, cliente = servicio

    async def leer_y_buscar_su_registro() -> bool:
        r = await cliente.get(f"/cosas/{uuid.uuid4()}")
        assert r.status_code == 200
        # Another connection, the moment the answer arrives: the record is already committed.
        return r.headers["X-Request-ID"] in await _registros(engine)

    assert all(await asyncio.gather(*(leer_y_buscar_su_registro() for _ in range(20))))


_RECHAZAR_AL_CONFIRMAR = [
    """CREATE OR REPLACE FUNCTION prueba_rechazar_lote() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'lote rechazado por la prueba'; END $$ LANGUAGE plpgsql""",
    """CREATE CONSTRAINT TRIGGER prueba_rechazar_lote AFTER INSERT ON outbox
       DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION prueba_rechazar_lote()""",
]


async def test_un_lote_que_no_se_confirma_responde_503_y_no_pierde_nada_en_silencio(
    servicio: tuple[FastAPI, httpx.AsyncClient], engine: AsyncEngine
) -> None:
    _, cliente = servicio
    async with engine.begin() as conn:  # the INSERT passes; the COMMIT fails
        for sql in _RECHAZAR_AL_CONFIRMAR:
            await conn.execute(text(sql))
    try:
        rechazadas = await _leer(cliente, 10)
    finally:
        async with engine.begin() as conn:
            await conn.execute(text("DROP TRIGGER prueba_rechazar_lote ON outbox"))
    for r in rechazadas:
        assert r.status_code == 503
        assert r.headers["content-type"] == "application/problem+json"
        assert r.headers["Retry-After"] == "1"
        assert r.json()["detail"] == NO_REGISTRADA
    assert await _registros(engine) == {}, "no answer was given, and no record half-written"
    # The batcher goes on: the next reads are answered and recorded.
    despues = await _leer(cliente, 5)
    assert [r.status_code for r in despues] == [200] * 5
    assert len(await _registros(engine)) == 5


async def test_una_conexion_cortada_del_lote_se_repone_sin_que_la_lectura_falle(
    servicio: tuple[FastAPI, httpx.AsyncClient], engine: AsyncEngine
) -> None:
    _, cliente = servicio
    assert [r.status_code for r in await _leer(cliente, 3)] == [200] * 3  # its connection opened
    async with engine.begin() as conn:
        cortadas = await conn.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = :nombre"
            ),
            {"nombre": APPLICATION_NAME},
        )
    assert cortadas == 1
    assert [r.status_code for r in await _leer(cliente, 3)] == [200] * 3
    assert len(await _registros(engine)) == 6
