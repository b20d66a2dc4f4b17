"""An alta names a tipo of auth's catalogue: expedientes keeps a copy of it from
`sigexp.tipo.actualizado.v1` and refuses an unknown or inactive one, naming `tipo`."""

from __future__ import annotations

import uuid

import httpx

from expedientes.main import build_spec
from expedientes.settings import Settings
from sigexp_testing.apps import running_app
from sigexp_testing.infra import TestInfra
from sigexp_testing.tokens import TokenFactory

DATOS = {"extracto": "Solicitud de subsidio agropecuario", "tomos": 1, "fojas": 2}


def _codigo() -> str:
    return "T" + uuid.uuid4().hex[:10].upper()


async def test_alta_con_tipo_que_no_esta_en_el_catalogo_es_422_nombrando_tipo(
    cliente: httpx.AsyncClient, mesa
) -> None:
    r = await cliente.post(
        "/api/v1/expedientes", json={**DATOS, "tipo": _codigo()}, headers=mesa.headers()
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"] == [{"campo": "tipo", "mensaje": "No es un tipo del catálogo."}]


async def test_un_tipo_nuevo_del_catalogo_sirve_y_dado_de_baja_es_422(
    cliente: httpx.AsyncClient, mesa, tipos
) -> None:
    codigo = _codigo()
    await tipos.publicar(codigo, version=1)
    alta = await cliente.post(
        "/api/v1/expedientes", json={**DATOS, "tipo": codigo}, headers=mesa.headers()
    )
    assert alta.status_code == 201, alta.text
    assert alta.json()["tipo"] == codigo

    await tipos.publicar(codigo, activo=False, version=2)
    r = await cliente.post(
        "/api/v1/expedientes", json={**DATOS, "tipo": codigo}, headers=mesa.headers()
    )
    assert r.status_code == 422, r.text
    assert [e["campo"] for e in r.json()["errors"]] == ["tipo"]


async def test_un_evento_viejo_del_tipo_no_lo_reactiva(
    cliente: httpx.AsyncClient, mesa, tipos, eventos
) -> None:
    codigo = _codigo()
    await tipos.publicar(codigo, activo=False, version=3)
    viejo = await tipos.publicar_sin_esperar(codigo, activo=True, version=2)  # reordered
    await eventos.consumidos(viejo)
    r = await cliente.post(
        "/api/v1/expedientes", json={**DATOS, "tipo": codigo}, headers=mesa.headers()
    )
    assert r.status_code == 422, r.text


async def test_sin_ningun_tipo_recibido_todavia_el_alta_es_409_con_retry_after(
    infra: TestInfra, tokens: TokenFactory, mesa
) -> None:
    settings = Settings(
        database_url=infra.database_url("expedientes_sin_tipos"),
        amqp_url=infra.amqp_vhost("expedientes_sin_tipos"),
        relay_poll_seconds=0.2,
    )
    async with running_app(build_spec(settings), verifier=tokens.verifier()) as (_, cliente):
        r = await cliente.post(
            "/api/v1/expedientes", json={**DATOS, "tipo": "GENERAL"}, headers=mesa.headers()
        )
    assert r.status_code == 409, r.text
    assert r.headers["retry-after"] == "1"
    assert "tipos" in r.json()["detail"]
