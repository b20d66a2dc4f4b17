"""Edge protection, over real sockets with a stand-in service that counts what reaches it: rate
limits per user and per address (429 + Retry-After), body limits per route class (413),
tokens refused before routing (401), security and cache headers, CORS off unless configured."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import jwt
from fastapi import FastAPI, Request

from sigexp_testing.tokens import TokenFactory

from .servidores import gateway_ante

MB = 1024 * 1024
CARGA = "/api/v1/expedientes/0190b4c2-0000-7000-8000-000000000004/archivos"


def servicio() -> FastAPI:
    app = FastAPI()
    app.state.vistos = 0

    @app.api_route("/api/v1/auth/eco", methods=["GET", "POST"])
    async def eco(request: Request) -> dict[str, int]:
        app.state.vistos += 1
        return {"bytes": len(await request.body())}

    @app.post(CARGA)
    async def carga(request: Request) -> dict[str, int]:
        app.state.vistos += 1
        return {"bytes": len(await request.body())}

    return app


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_pasado_el_limite_por_usuario_es_429_con_retry_after_y_otro_usuario_sigue(
    tokens: TokenFactory,
) -> None:
    app = servicio()
    uno, otro = tokens.token(usuario_id=uuid.uuid4()), tokens.token(usuario_id=uuid.uuid4())
    ajustes = {"user_rate_per_second": 0.5, "user_burst": 3}
    async with gateway_ante(app, tokens, **ajustes) as url, httpx.AsyncClient() as client:
        seguidos = [
            (await client.get(url + "/api/v1/auth/eco", headers=_auth(uno))).status_code
            for _ in range(4)
        ]
        frenado = await client.get(url + "/api/v1/auth/eco", headers=_auth(uno))
        del_otro = await client.get(url + "/api/v1/auth/eco", headers=_auth(otro))
    assert seguidos == [200, 200, 200, 429]
    assert frenado.status_code == 429
    assert int(frenado.headers["retry-after"]) >= 1
    assert frenado.headers["content-type"] == "application/problem+json"
    assert "espere" in frenado.json()["detail"]
    assert del_otro.status_code == 200
    assert app.state.vistos == 4  # the refused ones never reached the service


async def test_pasado_el_limite_por_direccion_es_429_aun_sin_token(tokens: TokenFactory) -> None:
    app = servicio()
    ajustes = {"address_rate_per_second": 0.5, "address_burst": 2}
    async with gateway_ante(app, tokens, **ajustes) as url, httpx.AsyncClient() as client:
        estados = [(await client.get(url + "/api/v1/auth/eco")).status_code for _ in range(3)]
        con_token = await client.get(url + "/api/v1/auth/eco", headers=_auth(tokens.token()))
    assert estados == [401, 401, 429]
    assert con_token.status_code == 429
    assert "retry-after" in con_token.headers
    assert app.state.vistos == 0


async def test_un_token_malo_vencido_o_ajeno_es_401_sin_llegar_al_servicio(
    tokens: TokenFactory,
) -> None:
    app = servicio()
    ajeno = TokenFactory()  # signed by a key auth never published
    vencido = tokens.token(ttl=-60)
    malos = [
        "no-es-un-jwt",
        vencido,
        ajeno.token(),
        jwt.encode({"sub": "x"}, "una-clave-simetrica-de-32-bytes-o-mas", "HS256"),
    ]
    async with gateway_ante(app, tokens) as url, httpx.AsyncClient() as client:
        answers = [await client.get(url + "/api/v1/auth/eco", headers=_auth(t)) for t in malos]
    assert [a.status_code for a in answers] == [401] * len(malos)
    assert all(a.headers["www-authenticate"] == "Bearer" for a in answers)
    assert app.state.vistos == 0


async def test_un_cuerpo_json_de_mas_de_1_mb_es_413_y_una_carga_de_archivo_no(
    tokens: TokenFactory,
) -> None:
    app = servicio()
    grande = b"x" * (2 * MB)

    async def troceado() -> AsyncIterator[bytes]:
        for _ in range(3):
            yield b"y" * MB

    async with gateway_ante(app, tokens) as url, httpx.AsyncClient() as client:
        json_grande = await client.post(
            url + "/api/v1/auth/eco", content=grande, headers=_auth(tokens.token())
        )
        vistos_con_largo = app.state.vistos
        sin_largo = await client.post(
            url + "/api/v1/auth/eco", content=troceado(), headers=_auth(tokens.token())
        )
        carga = await client.post(url + CARGA, content=grande, headers=_auth(tokens.token()))
    assert json_grande.status_code == 413
    assert "máximo" in json_grande.json()["detail"]
    assert vistos_con_largo == 0  # refused from its Content-Length, before routing
    assert sin_largo.status_code == 413  # chunked: cut once past the limit
    assert carga.status_code == 200
    assert carga.json() == {"bytes": 2 * MB}


async def test_cabeceras_de_seguridad_y_no_store_en_respuestas_autenticadas(
    tokens: TokenFactory,
) -> None:
    async with gateway_ante(servicio(), tokens) as url, httpx.AsyncClient() as client:
        r = await client.get(url + "/api/v1/auth/eco", headers=_auth(tokens.token()))
        sin_token = await client.get(url + "/api/v1/auth/eco")
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert "server" not in r.headers
    assert "access-control-allow-origin" not in r.headers  # CORS off by default
    assert sin_token.status_code == 401
    assert "frame-ancestors 'none'" in sin_token.headers["content-security-policy"]


async def test_cors_solo_para_los_origenes_configurados(tokens: TokenFactory) -> None:
    origen = "https://expedientes.example.gob.ar"
    preflight = {
        "Origin": origen,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    async with gateway_ante(servicio(), tokens) as url, httpx.AsyncClient() as client:
        apagado = await client.options(url + "/api/v1/auth/eco", headers=preflight)
    async with (
        gateway_ante(servicio(), tokens, cors_origins=origen) as url,
        httpx.AsyncClient() as client,
    ):
        permitido = await client.options(url + "/api/v1/auth/eco", headers=preflight)
        ajeno = await client.options(
            url + "/api/v1/auth/eco", headers={**preflight, "Origin": "https://otro.example"}
        )
        lectura = await client.get(
            url + "/api/v1/auth/eco", headers={**_auth(tokens.token()), "Origin": origen}
        )
    assert "access-control-allow-origin" not in apagado.headers
    assert permitido.status_code == 200
    assert permitido.headers["access-control-allow-origin"] == origen
    assert "access-control-allow-origin" not in ajeno.headers
    assert lectura.headers["access-control-allow-origin"] == origen
