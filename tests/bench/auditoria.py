"""`make bench-auditoria`: the audit chain's ingestion and verification (issue 13).

1. The same rows, in batches of 100, one transaction each: plain INSERTs into a copy of
   `registros` (same columns and indexes, no chain) next to `anexar_registros` (the chain's
   lock, its head, one SHA-256 per record, the INSERT): records/s of each and their ratio.
2. One consumer process's sustained rate from the broker: `--registros` records wait in
   `auditoria.events` (published before the service starts), then the service starts and the
   time until all are chained is measured (inbox, batching, acks included).
3. Verification of `--verificar` records (1,000,000): a chain is written with COPY, then
   `verificacion.recorrer` recomputes it; the seconds are reported.

Targets: chained >= 1,000 records/s and >= 30% of plain INSERTs. Everything runs in throwaway
databases and a broker vhost of its own on the local servers (dropped at the end). Figures on
a shared 2-core machine move with its load: the ratio in (1) is the one to compare.
"""

# ruff: noqa: E402 (the path is fixed before the imports: see below)
from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on the path, and its name is the package's.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import asyncio
import json
import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from auditoria import service, verificacion
from auditoria.cadena import GENESIS, calcular_hash, contenido_de
from auditoria.events import AccesoRegistrado
from auditoria.main import build_spec
from auditoria.models import Registro
from auditoria.settings import Settings
from sigexp_common.broker import Broker
from sigexp_common.consumer import routing_keys
from sigexp_common.db import asyncpg_dsn, autocommit, make_engine, make_sessionmaker, transaction
from sigexp_common.envelope import Envelope
from sigexp_common.migrations import upgrade
from sigexp_testing.apps import running_app
from sigexp_testing.infra import TestInfra, _new_vhost, _rabbitmqctl

LOTE = 100
PG = os.environ.get("SIGEXP_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP = os.environ.get("SIGEXP_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


def _envelope(i: int) -> Envelope:
    return Envelope(
        source="/sigexp/expedientes",
        type=AccesoRegistrado.event_type,
        data={
            "en": (datetime(2026, 11, 20, tzinfo=UTC) + timedelta(milliseconds=i)).isoformat(),
            "usuario_id": str(uuid.uuid4()),
            "usuario": "mesa.cap",
            "perfil": "MESA_ENTRADA",
            "mesa_id": str(uuid.uuid4()),
            "ip": "10.1.2.3",
            "accion": "expediente.ver",
            "recurso": f"expediente/{uuid.uuid4()}",
            "expediente_id": str(uuid.uuid4()),
            "request_id": uuid.uuid4().hex,
            "detalle": {"i": i},
        },
    )


def _accesos(n: int) -> list[AccesoRegistrado]:
    return [AccesoRegistrado.from_envelope(_envelope(i)) for i in range(n)]


async def insercion(url: str, n: int) -> tuple[float, float]:
    """(plain INSERT records/s, chained records/s) of the same rows, batches of `LOTE`."""
    accesos = _accesos(n)
    engine = make_engine(url, pool_size=1)
    sesiones = make_sessionmaker(engine, "auditoria")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE registros_planos (LIKE registros INCLUDING ALL)"))
    planos = Registro.__table__.to_metadata(Registro.metadata, name="registros_planos")
    lotes = [accesos[i : i + LOTE] for i in range(0, n, LOTE)]
    inicio = time.perf_counter()
    for numero, lote in enumerate(lotes):
        filas = []
        for j, acceso in enumerate(lote):
            fila = service._fila(acceso)
            fila.update(seq=numero * LOTE + j + 1, hash_anterior=GENESIS, hash=GENESIS)
            filas.append(fila)
        async with transaction(sesiones) as db:
            await db.execute(insert(planos), filas)
    plano = n / (time.perf_counter() - inicio)
    inicio = time.perf_counter()
    for lote in lotes:
        async with transaction(sesiones) as db:
            await service.anexar_registros(db, lote)
    encadenado = n / (time.perf_counter() - inicio)
    await engine.dispose()
    return plano, encadenado


async def consumidor(url: str, amqp: str, n: int) -> float:
    """Records/s one auditoria consumer chains from a queue holding `n` of them."""
    settings = Settings(
        database_url=url, amqp_url=amqp, run_relay=False, workers=1, migrate_on_start=False
    )
    spec = build_spec(settings)
    broker = Broker(amqp, settings.exchange)
    await broker.connect()
    await broker.declare_topology("auditoria", routing_keys(spec.handlers), 5)
    envelopes = [_envelope(i) for i in range(n)]
    for i in range(0, n, 500):
        await asyncio.gather(
            *(broker.publish(e.to_bytes(), e.type, str(e.id)) for e in envelopes[i : i + 500])
        )
    await broker.close()
    conexion = await asyncpg.connect(asyncpg_dsn(url))

    async def contados() -> int:
        return int(await conexion.fetchval("SELECT count(*) FROM registros"))

    try:
        antes = await contados()
        async with running_app(spec, wait_consumers=False):
            # From the first batch chained (the service's start-up left out) to the last.
            while (primeros := await contados()) == antes:  # noqa: ASYNC110 (another process)
                await asyncio.sleep(0.02)
            inicio = time.perf_counter()
            while await contados() < antes + n:  # noqa: ASYNC110
                await asyncio.sleep(0.02)
            return (antes + n - primeros) / (time.perf_counter() - inicio)
    finally:
        await conexion.close()


async def verificacion_de(url: str, n: int) -> tuple[float, float, int]:
    """(seconds writing a chain of `n` with COPY, seconds verifying it, records verified)."""
    inicio = time.perf_counter()
    conexion = await asyncpg.connect(asyncpg_dsn(url))
    anterior, base = GENESIS, datetime(2026, 11, 20, tzinfo=UTC)
    columnas = (
        "seq", "id", "en", "servicio", "usuario_id", "usuario", "perfil", "accion", "recurso",
        "expediente_id", "ip", "resultado", "detalle", "hash_anterior", "hash",
    )  # fmt: skip
    try:
        for desde in range(0, n, 50_000):
            filas = []
            for seq in range(desde + 1, min(desde + 50_000, n) + 1):
                fila: dict[str, Any] = {
                    "id": uuid.uuid4(), "en": base + timedelta(milliseconds=seq),
                    "servicio": "expedientes", "usuario_id": None, "usuario": "mesa.cap",
                    "perfil": "MESA_ENTRADA", "accion": "expediente.ver",
                    "recurso": f"expediente/{seq}", "expediente_id": None, "ip": "10.1.2.3",
                    "resultado": "ok", "detalle": {"seq": seq},
                }  # fmt: skip
                hash_ = calcular_hash(anterior, contenido_de(fila))
                filas.append(
                    (seq, *(fila[c] for c in columnas[1:12]), json.dumps(fila["detalle"]),
                     anterior, hash_)
                )  # fmt: skip
                anterior = hash_
            await conexion.copy_records_to_table("registros", records=filas, columns=columnas)
    finally:
        await conexion.close()
    escrita = time.perf_counter() - inicio
    engine = make_engine(url, pool_size=1)
    sesiones = make_sessionmaker(engine, "auditoria")
    inicio = time.perf_counter()
    async with sesiones(bind=autocommit(engine)) as db:
        assert isinstance(db, AsyncSession)
        total, error, _, _ = await verificacion.recorrer(db)
    verificada = time.perf_counter() - inicio
    await engine.dispose()
    assert error is None, error
    return escrita, verificada, total


def _carga() -> str:
    uno, cinco, _ = os.getloadavg()
    return f"carga media 1 min {uno:.2f}, 5 min {cinco:.2f} ({os.cpu_count()} núcleos)"


async def main(args: argparse.Namespace) -> None:
    infra = TestInfra(PG, AMQP, local=True)
    vhost = f"{infra.prefix}-bench-auditoria"
    _new_vhost(vhost, AMQP)
    amqp = AMQP.rstrip("/") + "/" + vhost
    try:
        urls = {n: infra.database_url(f"bench_auditoria_{n}") for n in ("ins", "cons", "verif")}
        for url in urls.values():
            await asyncio.to_thread(upgrade, build_spec().migrations_dir, url)
        print(_carga())
        plano, encadenado = await insercion(urls["ins"], args.registros)
        print(f"1. INSERT plano: {plano:8.0f} registros/s")
        relacion = encadenado / plano
        print(f"   encadenado:   {encadenado:8.0f} registros/s  ({relacion:.0%} del plano)")
        cumple = encadenado >= 1000 and relacion >= 0.30
        print(f"   objetivo >= 1.000/s y >= 30%: {'CUMPLE' if cumple else 'NO CUMPLE'}")
        consumo = await consumidor(urls["cons"], amqp, args.registros)
        print(f"2. un consumidor desde la cola: {consumo:8.0f} registros/s")
        filas = _filas(plano, encadenado, consumo)
        if args.verificar:
            escrita, verificada, total = await verificacion_de(urls["verif"], args.verificar)
            por_segundo = total / verificada
            print(f"3. verificación de {total:,} registros: {verificada:.1f} s")
            print(f"   ({por_segundo:,.0f} registros/s; escribirlos con COPY: {escrita:.1f} s)")
            cifra = f"verificación de {total:,} registros".replace(",", ".")
            filas.append(_resumen().fila("auditoria_verificacion", cifra, verificada, "s"))
        print(_carga())
        if args.salida:
            _resumen().escribir(args.salida, "auditoria.py", filas)
    finally:
        infra.drop_databases()
        _rabbitmqctl("delete_vhost", vhost)


def _resumen() -> Any:
    """resumen.py, this folder's, found after the packages (see the path fixed above)."""
    sys.path.append(str(Path(__file__).resolve().parent))
    import resumen

    return resumen


def _filas(plano: float, encadenado: float, consumo: float) -> list[dict[str, Any]]:
    resumen = _resumen()
    return [
        resumen.fila("auditoria_insert_plano", "INSERT plano de registros", plano, "registros/s"),
        resumen.fila(
            "auditoria_encadenado",
            "ingestión encadenada",
            encadenado,
            "registros/s",
            base=plano,
            base_etiqueta="INSERT plano",
            objetivo=">= 30 % del INSERT plano",
            meta=(">=", 0.30),
            sobre_ratio=True,
        ),
        resumen.fila(
            "auditoria_encadenado_absoluto",
            "ingestión encadenada (absoluta)",
            encadenado,
            "registros/s",
            objetivo=">= 1.000 registros/s",
            meta=(">=", 1000.0),
        ),
        resumen.fila("auditoria_consumidor", "un consumidor desde la cola", consumo, "registros/s"),
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--registros", type=int, default=20_000)
    parser.add_argument("--verificar", type=int, default=1_000_000)
    parser.add_argument("--salida", type=Path, help="the figures as rows (resumen.py) here too")
    asyncio.run(main(parser.parse_args()))
