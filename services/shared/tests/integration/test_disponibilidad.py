"""Ready means "this process can serve": the broker is not part of it, /metrics tells about it."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path

import httpx
from fastapi import APIRouter
from prometheus_client.parser import text_string_to_metric_families

from sigexp_common.app import ServiceSpec
from sigexp_common.security import CurrentUser
from sigexp_common.settings import ServiceSettings
from sigexp_testing.apps import running_app
from sigexp_testing.infra import TestInfra, free_port
from sigexp_testing.tokens import TokenFactory

rutas = APIRouter()


@rutas.get("/quien")
async def quien(usuario: CurrentUser) -> dict[str, str]:
    return {"usuario": usuario.usuario}


def _spec(database_url: str, amqp_url: str) -> ServiceSpec:
    settings = ServiceSettings(
        database_url=database_url,
        amqp_url=amqp_url,
        migrate_on_start=False,  # the session's database already has outbox and inbox
        relay_poll_seconds=0.2,
    )
    return ServiceSpec("prueba-salud", settings, Path("."), routers=[rutas])


async def metricas(client: httpx.AsyncClient) -> dict[str, float]:
    r = await client.get("/metrics")
    assert r.status_code == 200
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(r.text)
        for sample in family.samples
    }


async def test_sin_broker_el_servicio_esta_listo_y_metrics_dice_broker_caido(
    database_url: str,
) -> None:
    cerrado = f"amqp://guest:guest@127.0.0.1:{free_port()}/"  # nothing listens there
    async with running_app(_spec(database_url, cerrado), wait_consumers=False) as (_, client):
        await asyncio.sleep(1.5)  # a connection attempt or two failed meanwhile
        r = await client.get("/health/ready")
        vistas = await metricas(client)
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "ok", "checks": {"database": "ok"}}
    assert vistas["sigexp_broker_connected"] == 0
    assert vistas["sigexp_consumers_started"] == 0


async def test_con_broker_metrics_dice_conectado(database_url: str, infra: TestInfra) -> None:
    async with running_app(_spec(database_url, infra.amqp_url)) as (_, client):
        vistas = await metricas(client)
    assert vistas["sigexp_broker_connected"] == 1
    assert vistas["sigexp_consumers_started"] == 1


async def test_la_edad_de_las_claves_de_auth_se_ve_en_metrics(
    database_url: str, infra: TestInfra, tokens: TokenFactory
) -> None:
    spec = _spec(database_url, infra.amqp_url)
    async with running_app(spec, verifier=tokens.verifier()) as (_, client):
        antes = await metricas(client)
        r = await client.get(
            "/quien", headers={"Authorization": f"Bearer {tokens.token(usuario='ana')}"}
        )
        await asyncio.sleep(0.5)
        despues = await metricas(client)
    assert r.json() == {"usuario": "ana"}
    assert math.isnan(antes["sigexp_jwks_age_seconds"])  # no token seen, no keys fetched yet
    assert antes["sigexp_jwks_keys"] == 0
    assert 0.5 <= despues["sigexp_jwks_age_seconds"] < 5
    assert despues["sigexp_jwks_keys"] == 1
