"""The gateway is ready while auth is down; the age of auth's keys shows on /metrics."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from prometheus_client.parser import text_string_to_metric_families

from gateway.main import create_gateway
from gateway.operations import create_operations
from gateway.settings import Settings
from sigexp_common.security import JwksVerifier
from sigexp_testing.infra import free_port
from sigexp_testing.tokens import TokenFactory


@asynccontextmanager
async def gateway_sin_servicios(
    verifier: JwksVerifier | None = None,
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """A gateway whose auth and upstreams are all closed ports: a client of its public app
    and one of its operations app."""
    caido = f"http://127.0.0.1:{free_port()}"
    settings = Settings(
        auth_url=caido,
        expedientes_url=caido,
        pases_url=caido,
        archivos_url=caido,
        auditoria_url=caido,
        jwks_url=caido + "/.well-known/jwks.json",
        read_timeout_seconds=2,
    )
    app = create_gateway(settings)
    async with app.router.lifespan_context(app):
        if verifier is not None:
            await app.state.verifier.aclose()
            app.state.verifier = verifier
        public = httpx.ASGITransport(app=app)
        ops = httpx.ASGITransport(app=create_operations(app))
        async with (
            httpx.AsyncClient(transport=public, base_url="http://gateway") as client,
            httpx.AsyncClient(transport=ops, base_url="http://gateway-ops") as ops_client,
        ):
            yield client, ops_client


async def metricas(client: httpx.AsyncClient) -> dict[str, float]:
    r = await client.get("/metrics")
    assert r.status_code == 200
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(r.text)
        for sample in family.samples
    }


async def test_el_gateway_esta_listo_con_auth_caido(tokens: TokenFactory) -> None:
    async with gateway_sin_servicios() as (client, ops):
        listo = await ops.get("/health/ready")
        pedido = await client.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {tokens.token()}"}
        )
        vistas = await metricas(ops)
    assert listo.status_code == 200, listo.text
    assert listo.json()["status"] == "ok"
    # Each request that needs auth's keys says auth does not answer, readiness does not.
    assert pedido.status_code == 503
    assert pedido.headers["retry-after"] == "5"
    assert "autenticación no responde" in pedido.json()["detail"]
    assert math.isnan(vistas["sigexp_jwks_age_seconds"])
    assert vistas["sigexp_jwks_keys"] == 0


async def test_la_edad_de_las_claves_se_ve_en_metrics_y_crece(tokens: TokenFactory) -> None:
    async with gateway_sin_servicios(verifier=tokens.verifier()) as (client, ops):
        r = await client.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {tokens.token()}"}
        )
        recien = await metricas(ops)
        await asyncio.sleep(1.0)
        luego = await metricas(ops)
    assert r.status_code == 503  # the token was good; the upstream (auth) is what is down
    assert "auth no responde" in r.json()["detail"]
    assert recien["sigexp_jwks_keys"] == 1
    assert 0 <= recien["sigexp_jwks_age_seconds"] < 1
    assert luego["sigexp_jwks_age_seconds"] >= recien["sigexp_jwks_age_seconds"] + 1


async def test_salud_metricas_y_documentos_no_se_sirven_en_el_puerto_publico() -> None:
    async with gateway_sin_servicios() as (client, ops):
        publicos = [
            await client.get(path)
            for path in ("/metrics", "/health/live", "/health/ready", "/docs", "/redoc")
        ]
        esquema = await client.get("/openapi.json")
        vivo = await ops.get("/health/live")
    assert [r.status_code for r in publicos] == [404] * 5
    assert all(r.headers["content-type"] == "application/problem+json" for r in publicos)
    assert esquema.status_code == 404
    assert vivo.status_code == 200
