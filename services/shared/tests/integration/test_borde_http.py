"""The HTTP edge of every service (`sigexp_common.http`, `errors`, `cli`): the client's
address, the request id, the headers of every answer, and how uvicorn runs it. A tiny service
built by `create_app` over the real PostgreSQL (see `borde.py`)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
from borde import SECRETO, spec
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from sigexp_common.app import create_app
from sigexp_common.audit import AccesoRegistrado
from sigexp_common.cli import UVICORN_OPTIONS
from sigexp_common.http import REQUEST_ID
from sigexp_common.messaging_tables import OutboxMessage
from sigexp_testing.apps import running_app
from sigexp_testing.infra import TestInfra
from sigexp_testing.tokens import TokenFactory

COSA = "/api/v1/cosas/5b0c3a52-7f43-4c36-9a3e-0f6c2f8f2a11"


@pytest.fixture
async def servicio(
    engine: AsyncEngine, database_url: str, infra: TestInfra, tokens: TokenFactory
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    # Connected to the broker before the test: a connection still being opened when the
    # app stops holds the loop's shutdown for half a minute.
    async with running_app(spec(database_url, infra.amqp_url), verifier=tokens.verifier()) as (
        app_client
    ):
        yield app_client


@pytest.fixture
def auth(tokens: TokenFactory) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.token('CONSULTA')}"}


async def _ip_registrada(engine: AsyncEngine, request_id: str) -> Any:
    async with engine.connect() as conn:
        envelopes = await conn.scalars(
            select(OutboxMessage.envelope).where(OutboxMessage.type == AccesoRegistrado.event_type)
        )
        return next(e["data"]["ip"] for e in envelopes if e["requestid"] == request_id)


async def test_un_x_forwarded_for_escrito_por_el_cliente_no_cambia_su_direccion_auditada(
    servicio: tuple[FastAPI, httpx.AsyncClient], auth: dict[str, str], engine: AsyncEngine
) -> None:
    _, cliente = servicio
    for falsa in ("203.0.113.9", "203.0.113.9, 198.51.100.7", "x" * 80):
        r = await cliente.get(COSA, headers={**auth, "X-Forwarded-For": falsa})
        assert r.status_code == 200
        assert r.json()["ip"] == "127.0.0.1"  # the TCP peer of the ASGI test transport
        assert await _ip_registrada(engine, r.headers["X-Request-ID"]) == "127.0.0.1"


async def test_con_el_secreto_del_gateway_cuenta_la_direccion_que_reenvia(
    servicio: tuple[FastAPI, httpx.AsyncClient], auth: dict[str, str], engine: AsyncEngine
) -> None:
    _, cliente = servicio
    reenviado = {"X-Forwarded-For": "203.0.113.9", "X-Sigexp-Gateway": SECRETO}
    r = await cliente.get(COSA, headers={**auth, **reenviado})
    assert r.json()["ip"] == "203.0.113.9"
    assert await _ip_registrada(engine, r.headers["X-Request-ID"]) == "203.0.113.9"
    otro = {**reenviado, "X-Sigexp-Gateway": SECRETO + "x"}
    assert (await cliente.get(COSA, headers={**auth, **otro})).json()["ip"] == "127.0.0.1"
    basura = {**reenviado, "X-Forwarded-For": "no-es-una-direccion"}
    assert (await cliente.get(COSA, headers={**auth, **basura})).json()["ip"] == "127.0.0.1"


@pytest.mark.parametrize(
    ("enviado", "aceptado"),
    [("pedido-42", True), ("A" * 64, True), ("A" * 65, False), ("<script>", False),
     ("id con espacios", False), ("ñandú".encode(), False)],
)  # fmt: skip
async def test_el_request_id_del_cliente_solo_se_acepta_si_es_acotado(
    servicio: tuple[FastAPI, httpx.AsyncClient],
    auth: dict[str, str],
    enviado: str | bytes,
    aceptado: bool,
) -> None:
    _, cliente = servicio
    r = await cliente.get(COSA, headers={**auth, "X-Request-ID": enviado})
    devuelto = r.headers["X-Request-ID"]
    assert (devuelto == enviado) is aceptado
    assert r.json()["request_id"] == devuelto
    assert REQUEST_ID.fullmatch(devuelto)


async def test_toda_respuesta_lleva_las_cabeceras_de_seguridad_y_no_store(
    servicio: tuple[FastAPI, httpx.AsyncClient], auth: dict[str, str]
) -> None:
    _, cliente = servicio
    respuestas = [
        await cliente.get(COSA, headers=auth),  # authenticated answer
        await cliente.get(COSA),  # 401
        await cliente.get("/api/v1/no-existe"),  # 404 of the framework
        await cliente.get("/health/live"),
        await cliente.get("/api/v1/falla"),  # 500
    ]
    assert [r.status_code for r in respuestas] == [200, 401, 404, 200, 500]
    for r in respuestas:
        assert r.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["cache-control"] == "no-store"
        assert "x-request-id" in r.headers
    assert respuestas[4].json()["type"] == "/problemas/error-interno"


async def test_una_ruta_que_elige_su_csp_la_conserva(
    servicio: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, cliente = servicio
    r = await cliente.get("/api/v1/pagina")
    assert r.headers["content-security-policy"] == "default-src 'self'"
    assert r.headers["x-content-type-options"] == "nosniff"


async def test_un_401_dice_www_authenticate_bearer(
    servicio: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, cliente = servicio
    for headers in ({}, {"Authorization": "Bearer no.es.un.token"}, {"Authorization": "Basic x"}):
        r = await cliente.get(COSA, headers=headers)
        assert r.status_code == 401
        assert r.headers["www-authenticate"] == "Bearer"
        assert r.headers["content-type"] == "application/problem+json"


async def test_una_barra_final_responde_404_sin_redirigir_a_la_direccion_interna(
    servicio: tuple[FastAPI, httpx.AsyncClient], auth: dict[str, str]
) -> None:
    _, cliente = servicio
    for path in (COSA + "/", "/health/live/", "/api/v1/cosas/"):
        r = await cliente.get(path, headers=auth)
        assert r.status_code == 404, path
        assert "location" not in r.headers
        assert r.json()["type"] == "/problemas/no-encontrado"


async def test_en_produccion_el_servicio_no_publica_su_documentacion(
    database_url: str, infra: TestInfra
) -> None:
    propias = (
        "postgresql+asyncpg://borde:clave-propia@db:5432/borde",
        "amqp://borde:clave-propia@mq:5672/",
    )
    servicios = {
        "produccion": create_app(spec(*propias, env="production")),
        "desarrollo": create_app(spec(database_url, infra.amqp_url)),
    }
    codigos = {}
    for nombre, app in servicios.items():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://s") as cliente:
            codigos[nombre] = [
                (await cliente.get(p)).status_code for p in ("/docs", "/openapi.json", "/redoc")
            ]
    assert codigos == {"produccion": [404, 404, 404], "desarrollo": [200, 200, 200]}


def _puerto_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_uvicorn_como_lo_corre_serve_no_dice_server_ni_cree_en_x_forwarded_for(
    servicio: tuple[FastAPI, httpx.AsyncClient], auth: dict[str, str], engine: AsyncEngine
) -> None:
    app, _ = servicio
    puerto = _puerto_libre()
    config = uvicorn.Config(app, host="127.0.0.1", port=puerto, lifespan="off", **UVICORN_OPTIONS)
    server = uvicorn.Server(config)
    tarea = asyncio.create_task(server.serve())
    try:
        while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to await
            await asyncio.sleep(0.02)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{puerto}") as cliente:
            r = await cliente.get(COSA, headers={**auth, "X-Forwarded-For": "203.0.113.9"})
    finally:
        server.should_exit = True
        await tarea
    assert r.status_code == 200
    assert "server" not in r.headers
    assert r.json()["ip"] == "127.0.0.1"
    assert await _ip_registrada(engine, r.headers["X-Request-ID"]) == "127.0.0.1"
