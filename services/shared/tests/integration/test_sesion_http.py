"""The request session commits before the answer leaves: a failed commit is never a 2xx."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sigexp_common.db import Session, make_sessionmaker
from sigexp_common.errors import install_error_handlers


@pytest.fixture
async def cliente(engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    async with engine.begin() as conn:
        await conn.execute(text("DROP TABLE IF EXISTS diferidos"))
        await conn.execute(
            text(
                "CREATE TABLE diferidos (n int, CONSTRAINT diferidos_n UNIQUE (n) "
                "DEFERRABLE INITIALLY DEFERRED)"
            )
        )
    app = FastAPI()
    install_error_handlers(app)
    app.state.sessions = make_sessionmaker(engine, "prueba")

    @app.post("/filas/{n}", status_code=201)
    async def alta(n: int, db: Session, repetir: bool = False) -> dict[str, int]:
        await db.execute(text("INSERT INTO diferidos VALUES (:n)"), {"n": n})
        if repetir:  # the duplicate is only detected at COMMIT (deferred constraint)
            await db.execute(text("INSERT INTO diferidos VALUES (:n)"), {"n": n})
        return {"n": n}

    @app.post("/textos", status_code=201)
    async def texto(body: dict[str, str], db: Session) -> dict[str, str]:
        await db.execute(text("INSERT INTO diferidos VALUES (length(:t))"), {"t": body["t"]})
        return body

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://prueba") as client:
        yield client


async def _filas(engine: AsyncEngine) -> list[int]:
    async with engine.connect() as conn:
        return [r[0] for r in await conn.execute(text("SELECT n FROM diferidos ORDER BY n"))]


async def test_lo_confirmado_ya_esta_en_la_base_cuando_llega_la_respuesta(
    cliente: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    r = await cliente.post("/filas/1")
    assert r.status_code == 201
    assert await _filas(engine) == [1]


async def test_un_commit_que_falla_responde_409_y_no_deja_nada_escrito(
    cliente: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    r = await cliente.post("/filas/7", params={"repetir": True})
    assert r.status_code == 409
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["retry-after"] == "1"
    assert "intente nuevamente" in r.json()["detail"]
    assert await _filas(engine) == []


async def test_un_valor_que_la_base_no_puede_guardar_es_422_y_no_500(
    cliente: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    r = await cliente.post("/textos", json={"t": "extracto con \u0000 nulo"})
    assert r.status_code == 422
    assert "carácter nulo" in r.json()["detail"]
    assert await _filas(engine) == []
