"""Pases at scale for `make bench` (issue 18: 3,000,000), with COPY, for the expedientes that
generar_expedientes.py loaded (busqueda.py's database).

`python tests/bench/generar_pases.py --origen DSN --dsn DSN`: brings the target database to
pases' migrations, copies the desks and organismos of the origin, and writes for every
expediente of the origin a route of pases (3 on average, 0 to 6) that starts at the desk of
its alta and ends at the desk that holds it there (the last one PENDIENTE when the origin has
it in transit, RECIBIDO otherwise; a file never sent may still have gone round and come back),
plus its custody row (`tenencias`: the holder, the desks reached, the last pase, custody's
version). Ids, referencias, caracter and the holder are the origin's; the desks a route passes
through on its way are chosen at random, so the origin's scope arrays do not list them.

A bench's script, not a command of the service: it writes the tables below the use cases (no
outbox, no events), as no running service may. Secondary indexes are dropped before COPY and
built again after it. A row in `bench_siembra` marks the load done: run again, it returns at
once (`--generar` loads again). Prints one JSON line with the timings.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
from bases import crear_base

ROOT = Path(__file__).resolve().parents[2]
MIGRACIONES = ROOT / "services" / "pases" / "src" / "pases" / "migrations"
LOTE = 20_000  # expedientes read from the origin at a time
MARCA = """CREATE TABLE IF NOT EXISTS bench_siembra (
    clave text PRIMARY KEY, filas bigint NOT NULL, fuente text NOT NULL, en timestamptz NOT NULL
)"""
COLUMNAS_PASE = (
    "id", "expediente_id", "mesa_origen_id", "mesa_destino_id", "permiso", "fojas_agregadas",
    "tomos_agregados", "estado", "enviado_en", "recibido_en", "organismo_destino_id",
    "enviado_por", "permiso_anterior", "recibido_por", "fojas_contadas", "tomos_contados",
)  # fmt: skip
COLUMNAS_TENENCIA = (
    "expediente_id", "referencia", "caracter", "mesa_id", "organismo_id", "permiso", "fojas",
    "tomos", "desde", "en_transito", "mesa_origen_id", "mesas", "version", "pase_id",
)  # fmt: skip


async def sembrada(conn: asyncpg.Connection, clave: str) -> int | None:
    """The rows a previous load marked under `clave` (None: never loaded). Takes the
    database's seeding lock first (held until the connection closes): a second load started
    meanwhile waits for the first and then finds its mark."""
    await conn.execute("SELECT pg_advisory_lock(18)")
    await conn.execute(MARCA)
    filas = await conn.fetchval("SELECT filas FROM bench_siembra WHERE clave = $1", clave)
    return None if filas is None else int(filas)


async def esquema_nuevo(conn: asyncpg.Connection, carpeta: Path, dsn: str) -> None:
    """An empty schema brought to the service's migrations: every index is there again even
    if a load was killed after dropping them. Under the lock `sembrada` took."""
    await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    await asyncio.to_thread(migrar, carpeta, dsn)
    await conn.execute(MARCA)


async def marcar(conn: asyncpg.Connection, clave: str, filas: int, fuente: str) -> None:
    await conn.execute(
        "INSERT INTO bench_siembra VALUES ($1, $2, $3, now()) "
        "ON CONFLICT (clave) DO UPDATE SET filas = $2, fuente = $3, en = now()",
        clave,
        filas,
        fuente,
    )


async def secundarios(conn: asyncpg.Connection, tablas: tuple[str, ...]) -> list[str]:
    """Drops the tables' non-unique indexes; returns the statements that build them again."""
    filas = await conn.fetch(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY($1::text[]) "
        "AND indexdef NOT LIKE 'CREATE UNIQUE%'",
        list(tablas),
    )
    for f in filas:
        await conn.execute(f'DROP INDEX "{f["indexname"]}"')
    return [str(f["indexdef"]) for f in filas]


def ruta(
    azar: random.Random, fila: asyncpg.Record, mesas: list[Any], organismo_de: dict[Any, Any]
) -> tuple[list[tuple[Any, ...]], tuple[Any, ...]]:
    """One expediente's pases and its custody row."""
    inicio, actual = fila["mesa_inicio_id"], fila["mesa_id"]
    cuantos = azar.randint(0, 6)
    if cuantos == 0 and actual != inicio:
        cuantos = 1
    paradas = [azar.choice(mesas) for _ in range(max(0, cuantos - 1))]
    destinos = [*paradas, actual] if cuantos else []
    en = fila["creado_en"]
    fin = fila["desde"]
    paso = (fin - en) / (cuantos + 1) if cuantos else timedelta(0)
    pases = []
    origen, reached = inicio, [inicio]
    for n, destino in enumerate(destinos, 1):
        enviado = en + paso * n
        ultimo = n == len(destinos)
        pendiente = ultimo and fila["en_transito"]
        recibido = None if pendiente else enviado + min(paso / 2, timedelta(days=2))
        pases.append(
            (uuid.uuid4(), fila["id"], origen, destino, "ESCRITURA", 0, 0,
             "PENDIENTE" if pendiente else "RECIBIDO", enviado, recibido,
             organismo_de.get(destino), "banco", "ESCRITURA",
             None if pendiente else "banco", None if pendiente else fila["fojas"],
             None if pendiente else fila["tomos"])
        )  # fmt: skip
        if destino not in reached:
            reached.append(destino)
        origen = destino
    tenencia = (
        fila["id"], fila["referencia"], fila["caracter"], actual, fila["organismo_id"],
        "ESCRITURA", fila["fojas"], fila["tomos"], fin, fila["en_transito"],
        pases[-1][2] if pases else None, reached, 1 + 2 * len(pases) - int(fila["en_transito"]),
        pases[-1][0] if pases else None,
    )  # fmt: skip
    return pases, tenencia


def migrar(carpeta: Path, dsn: str) -> None:
    """A service's migrations, in a process whose path is not this folder's (a bench module
    named like a service would hide the package the migrations import)."""
    url = dsn.replace("postgresql://", "postgresql+asyncpg://")
    codigo = "import sys; from pathlib import Path; from sigexp_common.migrations import upgrade; "
    codigo += "upgrade(Path(sys.argv[1]), sys.argv[2])"
    subprocess.run([sys.executable, "-c", codigo, str(carpeta), url], cwd=ROOT, check=True)


async def generar(origen: str, dsn: str, forzar: bool, semilla: int = 2026) -> dict[str, Any]:
    await crear_base(dsn)
    fuente = await asyncpg.connect(origen)
    destino = await asyncpg.connect(dsn)
    try:
        hecho = await sembrada(destino, "pases")
        if hecho is not None and not forzar:
            return {"ya_sembrada": True, "pases": hecho}
        inicio = time.monotonic()
        await esquema_nuevo(destino, MIGRACIONES, dsn)
        for tabla in ("organismos", "mesas"):
            filas = await fuente.fetch(f"SELECT * FROM {tabla}")
            columnas = list(filas[0].keys())
            await destino.copy_records_to_table(
                tabla, records=[tuple(f) for f in filas], columns=columnas
            )
        mesas = [m["id"] for m in await fuente.fetch("SELECT id FROM mesas")]
        organismo_de = dict(await fuente.fetch("SELECT id, organismo_id FROM mesas"))
        indices = await secundarios(destino, ("pases", "tenencias"))
        azar = random.Random(semilla)
        total = expedientes = 0
        async with fuente.transaction():
            cursor = fuente.cursor(
                """SELECT e.id, e.numero || coalesce('-' || nullif(e.letras, ''), '') || '-'
                          || e.anio AS referencia,
                          e.caracter, e.organismo_id, e.mesa_inicio_id, e.creado_en, e.fojas,
                          e.tomos, c.mesa_id, c.en_transito, c.desde
                   FROM expedientes e JOIN custodias c ON c.expediente_id = e.id"""
            )
            lote: list[asyncpg.Record] = []
            async for fila in cursor:
                lote.append(fila)
                if len(lote) == LOTE:
                    total += await _copiar(destino, azar, lote, mesas, organismo_de)
                    expedientes += len(lote)
                    lote = []
            if lote:
                total += await _copiar(destino, azar, lote, mesas, organismo_de)
                expedientes += len(lote)
        copiado = time.monotonic() - inicio
        for sentencia in indices:
            await destino.execute(sentencia)
        await destino.execute("ANALYZE pases")
        await destino.execute("ANALYZE tenencias")
        await marcar(destino, "pases", total, origen.rsplit("/", 1)[1])
        return {
            "pases": total,
            "expedientes": expedientes,
            "copy_s": round(copiado, 1),
            "total_s": round(time.monotonic() - inicio, 1),
        }
    finally:
        await fuente.close()
        await destino.close()


async def _copiar(
    conn: asyncpg.Connection,
    azar: random.Random,
    lote: list[asyncpg.Record],
    mesas: list[Any],
    organismo_de: dict[Any, Any],
) -> int:
    pases: list[tuple[Any, ...]] = []
    tenencias = []
    for fila in lote:
        suyos, tenencia = ruta(azar, fila, mesas, organismo_de)
        pases += suyos
        tenencias.append(tenencia)
    await conn.copy_records_to_table("pases", records=pases, columns=COLUMNAS_PASE)
    await conn.copy_records_to_table("tenencias", records=tenencias, columns=COLUMNAS_TENENCIA)
    return len(pases)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--origen", default="postgresql://postgres@127.0.0.1:5432/sigexp_bench_busqueda"
    )
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/sigexp_bench_pases")
    parser.add_argument("--generar", action="store_true", help="load again even if marked")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(generar(args.origen, args.dsn, args.generar))))


if __name__ == "__main__":
    main()
