"""The chain grows in batches: many records in one transaction with the chain's lock taken once,
in the order they arrived; repeated records applied once; a poison record dead-lettered alone
while the rest of its batch is chained."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import aio_pika
import httpx
from fastapi import FastAPI
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from sigexp_common.broker import Broker
from sigexp_common.envelope import Envelope
from sigexp_testing.infra import TestInfra
from sigexp_testing.tokens import TokenFactory
from sigexp_testing.waiting import wait_until


def _acceso(expediente_id: uuid.UUID, accion: str) -> Envelope:
    return Envelope(
        source="/sigexp/expedientes",
        type="sigexp.acceso.registrado.v1",
        subject=str(expediente_id),
        data={
            "en": "2026-11-20T10:00:00+00:00",
            "usuario": "mesa.cap",
            "accion": accion,
            "recurso": f"expediente/{expediente_id}",
            "expediente_id": str(expediente_id),
        },
    )


async def _publicar(bus: Broker, eventos: list[Envelope]) -> None:
    for evento in eventos:
        await bus.publish(evento.to_bytes(), evento.type, message_id=str(evento.id))


async def _encadenados(engine: AsyncEngine, expediente_id: uuid.UUID) -> list[str]:
    """The actions of this expediente's records, in chain order."""
    async with engine.connect() as conn:
        filas = await conn.execute(
            text("SELECT accion FROM registros WHERE expediente_id = :e ORDER BY seq"),
            {"e": expediente_id},
        )
        return [accion for (accion,) in filas]


async def _esperar(engine: AsyncEngine, expediente_id: uuid.UUID, n: int) -> list[str]:
    async def llegaron() -> bool:
        return len(await _encadenados(engine, expediente_id)) >= n

    await wait_until(llegaron)
    return await _encadenados(engine, expediente_id)


async def _verificacion(cliente: httpx.AsyncClient, tokens: TokenFactory) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {tokens.token('ADMIN')}"}
    r = await cliente.get("/api/v1/auditoria/verificacion", headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


@contextmanager
def _bloqueos_de_la_cadena(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every time the chain's advisory lock is taken on `engine`."""
    vistos: list[str] = []

    def sentencia(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        if "pg_advisory_xact_lock" in sql:
            vistos.append(sql)

    event.listen(engine.sync_engine, "before_cursor_execute", sentencia)
    try:
        yield vistos
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", sentencia)


async def test_un_lote_de_50_registros_se_encadena_en_orden_con_un_bloqueo_y_verifica(
    servicio: tuple[FastAPI, httpx.AsyncClient], bus: Broker, tokens: TokenFactory
) -> None:
    app, cliente = servicio
    expediente_id = uuid.uuid4()
    acciones = [f"lote.registro{i:02d}" for i in range(50)]
    with _bloqueos_de_la_cadena(app.state.engine) as bloqueos:
        await _publicar(bus, [_acceso(expediente_id, a) for a in acciones])
        assert await _esperar(app.state.engine, expediente_id, 50) == acciones
    assert 1 <= len(bloqueos) < 50, "the lock is taken once per batch, not once per record"
    assert (await _verificacion(cliente, tokens))["ok"] is True
    print(f"\n50 records chained taking the chain's lock {len(bloqueos)} time(s)")


async def test_los_repetidos_dentro_de_un_lote_y_entre_lotes_se_anexan_una_vez(
    servicio: tuple[FastAPI, httpx.AsyncClient], bus: Broker, tokens: TokenFactory
) -> None:
    app, cliente = servicio
    expediente_id = uuid.uuid4()
    eventos = [_acceso(expediente_id, f"lote.repetido{i:02d}") for i in range(20)]
    await _publicar(bus, [e for evento in eventos for e in (evento, evento)])  # inside a batch
    await _esperar(app.state.engine, expediente_id, 20)
    await _publicar(bus, eventos)  # among batches: all of them again, once chained
    testigo = _acceso(expediente_id, "lote.testigo")  # behind the repeats in the queue
    await _publicar(bus, [testigo])
    acciones = await _esperar(app.state.engine, expediente_id, 21)
    assert acciones == [f"lote.repetido{i:02d}" for i in range(20)] + ["lote.testigo"]
    assert (await _verificacion(cliente, tokens))["ok"] is True


async def test_un_registro_que_la_base_rechaza_va_a_la_dlq_y_el_resto_del_lote_se_encadena(
    servicio: tuple[FastAPI, httpx.AsyncClient],
    bus: Broker,
    infra: TestInfra,
    tokens: TokenFactory,
    dueno: AsyncEngine,
) -> None:
    app, cliente = servicio
    engine: AsyncEngine = app.state.engine
    expediente_id = uuid.uuid4()
    buenos = [_acceso(expediente_id, f"lote.sano{i:02d}") for i in range(20)]
    veneno = _acceso(expediente_id, "lote.veneno")
    async with dueno.begin() as conn:  # a record this database refuses, whatever the batch
        await conn.execute(
            text(
                "ALTER TABLE registros ADD CONSTRAINT prueba_veneno "
                "CHECK (accion <> 'lote.veneno') NOT VALID"
            )
        )
    connection = await aio_pika.connect(infra.amqp_url)
    try:
        await _publicar(bus, [*buenos[:10], veneno, *buenos[10:]])
        assert await _esperar(engine, expediente_id, 20) == [f"lote.sano{i:02d}" for i in range(20)]
        channel = await connection.channel()
        dlq = await channel.declare_queue("auditoria.dlq", passive=True)

        async def descartado() -> bool:
            return (
                await channel.declare_queue("auditoria.dlq", passive=True)
            ).declaration_result.message_count == 1

        await wait_until(descartado)
        mensaje = await dlq.get(timeout=5)
        assert mensaje.message_id == str(veneno.id)
        await mensaje.ack()
    finally:
        async with dueno.begin() as conn:
            await conn.execute(text("ALTER TABLE registros DROP CONSTRAINT prueba_veneno"))
        await connection.close()
    assert await _encadenados(engine, expediente_id) == [f"lote.sano{i:02d}" for i in range(20)]
    assert (await _verificacion(cliente, tokens))["ok"] is True


async def test_lecturas_concurrentes_se_agrupan_se_publican_y_se_encadenan_una_vez_cada_una(
    servicio: tuple[FastAPI, httpx.AsyncClient], tokens: TokenFactory
) -> None:
    app, cliente = servicio
    marca = str(uuid.uuid4())  # the queries' filter: it travels in each record's detalle
    headers = {"Authorization": f"Bearer {tokens.token('AUTORIDAD')}"}
    inserts: list[str] = []

    def sentencia(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        if sql.lstrip().upper().startswith("INSERT INTO OUTBOX"):
            inserts.append(sql)

    batcher_engine = app.state.audit_batcher.engine.sync_engine
    event.listen(batcher_engine, "before_cursor_execute", sentencia)
    try:
        respuestas = await asyncio.gather(
            *(
                cliente.get("/api/v1/auditoria", params={"usuario_id": marca}, headers=headers)
                for _ in range(12)
            )
        )
    finally:
        event.remove(batcher_engine, "before_cursor_execute", sentencia)
    assert [r.status_code for r in respuestas] == [200] * 12
    assert 1 <= len(inserts) < 12, "the 12 records were committed in fewer transactions"
    contar = text(
        "SELECT count(*), count(DISTINCT id) FROM registros "
        "WHERE accion = 'auditoria.consultar' AND detalle->>'usuario_id' = :m"
    )

    async def encadenadas() -> tuple[int, int]:
        async with app.state.engine.connect() as conn:
            total, distintas = (await conn.execute(contar, {"m": marca})).one()
            return int(total), int(distintas)

    async def llegaron() -> bool:
        return (await encadenadas())[0] >= 12

    await wait_until(llegaron)
    await asyncio.sleep(1)  # time for a duplicate to show up, were there one
    assert await encadenadas() == (12, 12)
    assert (await _verificacion(cliente, tokens))["ok"] is True
