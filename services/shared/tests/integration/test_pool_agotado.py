"""A service whose every database connection stays busy answers 503 with Retry-After in
Spanish once the pool's wait runs out, never a 500: it is saturated, not broken."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from sigexp_common.db import make_engine
from sigexp_common.errors import install_error_handlers


async def test_sin_conexion_libre_a_tiempo_responde_503_con_retry_after(database_url: str) -> None:
    engine = make_engine(database_url, pool_size=1, max_overflow=0, pool_timeout=0.3)
    ocupada = asyncio.Event()
    soltar = asyncio.Event()
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/lenta")
    async def lenta() -> dict[str, int]:
        async with engine.connect() as conn:
            ocupada.set()
            await soltar.wait()
            return {"uno": (await conn.execute(text("SELECT 1"))).scalar_one()}

    @app.get("/rapida")
    async def rapida() -> dict[str, int]:
        async with engine.connect() as conn:
            return {"uno": (await conn.execute(text("SELECT 1"))).scalar_one()}

    transporte = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transporte, base_url="http://prueba") as client:
            primera = asyncio.create_task(client.get("/lenta"))
            await asyncio.wait_for(ocupada.wait(), 10)
            r = await client.get("/rapida")
            assert r.status_code == 503
            assert r.headers["content-type"] == "application/problem+json"
            assert r.headers["retry-after"] == "2"
            assert "intente nuevamente" in r.json()["detail"]
            soltar.set()
            assert (await primera).status_code == 200
            assert (await client.get("/rapida")).json() == {"uno": 1}  # and it serves again
    finally:
        await engine.dispose()
