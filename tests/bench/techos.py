"""The ceilings a run measures beside the project, on the same machine at the same time.

    python tests/bench/techos.py hola --port N                 hello-world FastAPI (uvicorn)
    python tests/bench/techos.py lectura --port N --dsn DSN    one pooled asyncpg SELECT by id
                                                               (a pool of 10, as a service's)
    python tests/bench/techos.py insercion --dsn DSN --segundos S --conexiones C
                                                               raw INSERTs, prints rows/s JSON
    python tests/bench/techos.py numerada --dsn DSN ...       the same, numbered in one series

Each runs as a process of its own so that its CPU is counted apart from the harness's. They run
under uvicorn as `python -m <service> serve` does (one process, default loop and parser).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import asyncpg
import uvicorn
from fastapi import FastAPI, HTTPException

TABLA = """
CREATE TABLE IF NOT EXISTS expediente (
    id uuid PRIMARY KEY,
    codigo text NOT NULL,
    numero integer NOT NULL,
    letras text NOT NULL DEFAULT '',
    anio integer NOT NULL,
    extracto text NOT NULL,
    numero_instrumento text,
    tomos integer NOT NULL,
    fojas integer NOT NULL,
    tipo text NOT NULL,
    caracter text NOT NULL,
    ciclo text NOT NULL,
    organismo_id uuid,
    mesa_inicio_id uuid NOT NULL,
    iniciado_por uuid NOT NULL,
    iniciado_por_usuario text NOT NULL,
    creado_en timestamptz NOT NULL,
    UNIQUE (codigo, numero, letras, anio)
)
"""
INSERTAR = """
INSERT INTO expediente (id, codigo, numero, letras, anio, extracto, numero_instrumento, tomos,
    fojas, tipo, caracter, ciclo, organismo_id, mesa_inicio_id, iniciado_por,
    iniciado_por_usuario, creado_en)
VALUES ($1, '100111', $2, 'BENCH', 2026, $3, NULL, 1, 3, 'GENERAL', 'PUBLICO', 'EN_TRAMITE',
    $4, $4, $4, 'mesa.cap', $5)
"""
LEER = "SELECT * FROM expediente WHERE id = $1"
# The alta's numbering at its floor: the series row upserted (and so locked until the commit)
# and the row inserted with its number, in one transaction, every client in the same series.
SERIE = "CREATE TABLE IF NOT EXISTS serie (clave text PRIMARY KEY, ultimo integer NOT NULL)"
SIGUIENTE = """
INSERT INTO serie VALUES ('SERIE', 1)
ON CONFLICT (clave) DO UPDATE SET ultimo = serie.ultimo + 1 RETURNING ultimo
"""
INSERTAR_NUMERADA = INSERTAR.replace("'BENCH'", "'SERIE'")


async def preparar(dsn: str, filas: int) -> list[str]:
    """The table, with `filas` rows to read; returns their ids."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(TABLA)
        await conn.execute(SERIE)
        ids = [uuid.uuid4() for _ in range(filas)]
        mesa = uuid.uuid4()
        await conn.executemany(
            INSERTAR,
            [
                (i, -(n + 1), f"Expediente de lectura {n}", mesa, datetime.now(UTC))
                for n, i in enumerate(ids)
            ],
        )
        return [str(i) for i in ids]
    finally:
        await conn.close()


def hola() -> FastAPI:
    app = FastAPI()

    @app.get("/hola")
    async def saludo() -> dict[str, str]:
        return {"hola": "mundo"}

    return app


POOL_LECTURA = 10  # sigexp_common.db.make_engine's pool_size: the services read through as many


def lectura(dsn: str, conexiones: int = POOL_LECTURA) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = await asyncpg.create_pool(dsn, min_size=1, max_size=conexiones)
        try:
            yield
        finally:
            await app.state.pool.close()

    app = FastAPI(lifespan=lifespan)

    @app.get("/expedientes/{expediente_id}")
    async def ver(expediente_id: uuid.UUID) -> dict[str, Any]:
        fila = await app.state.pool.fetchrow(LEER, expediente_id)
        if fila is None:
            raise HTTPException(404)
        return dict(fila)

    return app


async def insercion(
    dsn: str, segundos: float, conexiones: int, numerada: bool = False
) -> dict[str, float]:
    """Rows/s of single-row INSERTs, each its own committed transaction (as an alta is), from
    `conexiones` connections at once; `numerada`, each one numbered in one series as an alta
    is (`SIGUIENTE`, then the INSERT, then COMMIT: the series row locked in between)."""
    pool = await asyncpg.create_pool(dsn, min_size=conexiones, max_size=conexiones)
    numeros = itertools.count(1)
    mesa = uuid.uuid4()
    hechas = 0
    fin = time.monotonic() + segundos

    async def cliente() -> None:
        nonlocal hechas
        async with pool.acquire() as conn:
            while time.monotonic() < fin:
                if numerada:
                    async with conn.transaction():
                        n = await conn.fetchval(SIGUIENTE)
                        await conn.execute(
                            INSERTAR_NUMERADA,
                            uuid.uuid4(),
                            n,
                            f"Alta numerada {n}",
                            mesa,
                            datetime.now(UTC),
                        )
                else:
                    n = next(numeros)
                    await conn.execute(
                        INSERTAR, uuid.uuid4(), n, f"Alta directa {n}", mesa, datetime.now(UTC)
                    )
                hechas += 1

    inicio = time.monotonic()
    await asyncio.gather(*(cliente() for _ in range(conexiones)))
    transcurrido = time.monotonic() - inicio
    await pool.close()
    return {"filas": hechas, "segundos": transcurrido}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("techo", choices=["hola", "lectura", "insercion", "numerada"])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--dsn", default="")
    parser.add_argument("--segundos", type=float, default=10.0)
    parser.add_argument("--conexiones", type=int, default=16)
    args = parser.parse_args()
    if args.techo in ("insercion", "numerada"):
        numerada = args.techo == "numerada"
        hecho = insercion(args.dsn, args.segundos, args.conexiones, numerada)
        print(json.dumps(asyncio.run(hecho)))
        return
    app = hola() if args.techo == "hola" else lectura(args.dsn)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_config=None, access_log=False)


if __name__ == "__main__":
    main()
