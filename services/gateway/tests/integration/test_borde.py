"""The gateway's edge against odd requests and failing services, over real sockets: bytes a
client should not send, a service that errs, redirects to internal addresses, dot segments."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import Response

from sigexp_common.errors import install_error_handlers
from sigexp_testing.tokens import TokenFactory

from .servidores import gateway_ante, gateway_ante_url


class Falla(Exception):
    """An error the stand-in service does not expect (its handler answers 500)."""


def servicio() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.state.vistos = []

    @app.get("/api/v1/auth/falla")
    async def falla() -> None:
        raise Falla("inesperado")

    @app.api_route("/api/v1/auth/eco", methods=["GET", "PUT", "POST", "DELETE"])
    async def eco(request: Request) -> dict[str, object]:
        app.state.vistos.append(request.method)
        return {"metodo": request.method, "cuerpo": (await request.body()).decode()}

    @app.post("/api/v1/auth/login")
    async def login(request: Request) -> dict[str, str | None]:
        return {"x-nombre": request.headers.get("x-nombre")}

    @app.get("/api/v1/expedientes")
    async def expedientes() -> dict[str, list[str]]:
        return {"items": []}

    @app.get("/api/v1/auth/seguro")
    async def seguro() -> Response:
        return Response(
            b"{}",
            media_type="application/json",
            headers={
                "cache-control": "no-store",
                "x-content-type-options": "nosniff",
                "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
                "referrer-policy": "no-referrer",
                "www-authenticate": "Bearer",
                "server": "uvicorn",
            },
        )

    return app


async def crudo(url: str, pedido: bytes) -> bytes:
    """`pedido` written as is on a new connection to `url`; the whole answer."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    writer.write(pedido)
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(65536), timeout=5)
    writer.close()
    return answer


def _auth(tokens: TokenFactory) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.token()}"}


async def test_una_cabecera_con_un_byte_no_ascii_es_400_problem_json_sin_token(
    tokens: TokenFactory,
) -> None:
    async with gateway_ante(servicio(), tokens) as url:
        publica = await crudo(
            url,
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: g\r\nContent-Length: 2\r\n"
            b"X-Nombre: Mu\xf1oz\r\nConnection: close\r\n\r\n{}",
        )
        privada = await crudo(
            url,
            b"GET /api/v1/auth/eco HTTP/1.1\r\nHost: g\r\nUser-Agent: caf\xc3\xa9\r\n"
            + f"Authorization: Bearer {tokens.token()}\r\n".encode()
            + b"Connection: close\r\n\r\n",
        )
    for answer in (publica, privada):
        head = answer.split(b"\r\n\r\n")[0].lower()
        assert head.startswith(b"http/1.1 400"), answer
        assert b"content-type: application/problem+json" in head
        assert b"cabecera" in answer


async def test_tras_un_500_del_servicio_el_siguiente_pedido_no_recibe_un_503_real(
    tokens: TokenFactory,
) -> None:
    app = servicio()
    async with gateway_ante(app, tokens) as url, httpx.AsyncClient() as client:
        for _ in range(10):
            fallo = await client.get(url + "/api/v1/auth/falla", headers=_auth(tokens))
            siguiente = await client.get(url + "/api/v1/auth/eco", headers=_auth(tokens))
            escritura = await client.put(
                url + "/api/v1/auth/eco", content=b"x", headers=_auth(tokens)
            )
            assert fallo.status_code == 500
            assert fallo.headers["content-type"] == "application/problem+json"
            assert siguiente.status_code == 200, siguiente.text
            assert escritura.status_code == 200, escritura.text
    # Each request reached the service once: nothing retried that had been answered.
    assert app.state.vistos == ["GET", "PUT"] * 10


@asynccontextmanager
async def servicio_que_cierra(estados: list[int]) -> AsyncIterator[tuple[str, list[bytes]]]:
    """A raw HTTP/1.1 service: the first request of each connection is answered (keep-alive)
    with the next status of `estados`; a second request on the same connection finds it
    closed, unanswered, as when the service closed it just after answering. Yields its URL
    and the request lines it answered."""
    answered: list[bytes] = []

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            (int(line.split(b":")[1]) for line in head.lower().split(b"\r\n")
             if line.startswith(b"content-length:")),
            0,
        )  # fmt: skip
        await reader.readexactly(length)
        answered.append(head.split(b"\r\n")[0])
        status = estados.pop(0) if estados else 200
        writer.write(
            f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
            "Content-Length: 2\r\n\r\n{}".encode()
        )
        await writer.drain()
        with contextlib.suppress(Exception):
            await reader.readuntil(b"\r\n\r\n")  # the next request: never answered
        writer.close()

    server = await asyncio.start_server(connection, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", answered
    finally:
        server.close()


async def test_un_get_sobre_una_conexion_muerta_se_repite_una_vez_y_un_post_no(
    tokens: TokenFactory,
) -> None:
    async with (
        servicio_que_cierra([200]) as (upstream, answered),
        gateway_ante_url(upstream, tokens) as url,
        httpx.AsyncClient() as client,
    ):
        primero = await client.get(url + "/api/v1/auth/a", headers=_auth(tokens))
        repetido = await client.get(url + "/api/v1/auth/b", headers=_auth(tokens))  # pooled: dead
        await client.get(url + "/api/v1/auth/c", headers=_auth(tokens))  # pooled again
        escritura = await client.post(url + "/api/v1/auth/d", headers=_auth(tokens))
    assert [primero.status_code, repetido.status_code] == [200, 200]
    # A POST on a dead connection may have reached the service: it is not sent twice.
    assert escritura.status_code == 503
    assert escritura.headers["retry-after"] == "5"
    assert b"POST /api/v1/auth/d HTTP/1.1" not in answered
    assert answered.count(b"GET /api/v1/auth/b HTTP/1.1") == 1


async def test_la_conexion_de_un_500_no_vuelve_al_pool_y_el_post_siguiente_llega(
    tokens: TokenFactory,
) -> None:
    async with (
        servicio_que_cierra([500]) as (upstream, answered),
        gateway_ante_url(upstream, tokens) as url,
        httpx.AsyncClient() as client,
    ):
        fallo = await client.get(url + "/api/v1/auth/a", headers=_auth(tokens))
        siguiente = await client.post(url + "/api/v1/auth/b", headers=_auth(tokens))
    assert fallo.status_code == 500
    assert siguiente.status_code == 200, siguiente.text
    assert answered == [b"GET /api/v1/auth/a HTTP/1.1", b"POST /api/v1/auth/b HTTP/1.1"]


async def test_la_barra_final_no_redirige_a_la_direccion_interna_del_servicio(
    tokens: TokenFactory,
) -> None:
    async with gateway_ante(servicio(), tokens) as url, httpx.AsyncClient() as client:
        r = await client.get(url + "/api/v1/expedientes/?a=1", headers=_auth(tokens))
        seguida = await client.get(url + r.headers["location"], headers=_auth(tokens))
    assert r.status_code == 307
    assert r.headers["location"] == "/api/v1/expedientes?a=1"
    assert seguida.status_code == 200
    assert seguida.json() == {"items": []}


async def test_los_segmentos_de_punto_y_vacios_son_400_antes_de_elegir_servicio(
    tokens: TokenFactory,
) -> None:
    app = servicio()
    caminos = [
        b"/api/v1/expedientes/../auth/eco",
        b"/api/v1/expedientes/%2e%2e/auth/eco",
        b"/api/v1/expedientes/%2E%2E%2Fauth/eco",
        b"/api/v1/auth/./eco",
        b"/api/v1//auth/eco",
        b"/api/v1/auth/eco/..",
    ]
    token = f"Authorization: Bearer {tokens.token()}\r\n".encode()
    async with gateway_ante(app, tokens) as url:
        answers = [
            await crudo(
                url, b"GET " + camino + b" HTTP/1.1\r\nHost: g\r\n" + token
                + b"Connection: close\r\n\r\n",
            )
            for camino in caminos
        ]  # fmt: skip
    for camino, answer in zip(caminos, answers, strict=True):
        assert answer.startswith(b"HTTP/1.1 400"), (camino, answer)
        assert b"application/problem+json" in answer
    assert app.state.vistos == []  # none reached a service


async def test_las_cabeceras_de_seguridad_del_servicio_pasan_una_vez_sin_server(
    tokens: TokenFactory,
) -> None:
    async with gateway_ante(servicio(), tokens) as url, httpx.AsyncClient() as client:
        r = await client.get(url + "/api/v1/auth/seguro", headers=_auth(tokens))
    assert r.status_code == 200
    for name, value in [
        ("cache-control", "no-store"),
        ("x-content-type-options", "nosniff"),
        ("content-security-policy", "default-src 'none'; frame-ancestors 'none'"),
        ("referrer-policy", "no-referrer"),
        ("www-authenticate", "Bearer"),
    ]:
        assert r.headers.get_list(name) == [value], name
    assert "server" not in r.headers


async def test_la_pagina_del_gateway_trae_una_csp_que_deja_correr_su_propia_ui(
    tokens: TokenFactory,
) -> None:
    async with gateway_ante(servicio(), tokens) as url, httpx.AsyncClient() as client:
        pagina = await client.get(url + "/")
        (ruta_script,) = re.findall(r'<script type="module" src="([^"]+)"', pagina.text)
        (ruta_estilo,) = re.findall(r'<link rel="stylesheet" href="([^"]+)"', pagina.text)
        script = await client.get(url + ruta_script)
        estilo = await client.get(url + ruta_estilo)
    assert pagina.status_code == 200
    politica = pagina.headers["content-security-policy"]
    for directiva in ("script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"):
        assert directiva in politica
    assert "unsafe-inline" not in politica
    # Nothing inline for the policy to block: the page's code comes from the gateway.
    assert "<script>" not in pagina.text
    assert "<style>" not in pagina.text
    assert ruta_script.startswith("/static/v/")
    assert ruta_script.endswith("/ingreso.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert "/api/v1/auth/login" in script.text
    assert estilo.status_code == 200
    assert estilo.headers["content-type"].startswith("text/css")
