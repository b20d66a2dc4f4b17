"""Over real sockets, with the gateway in front (trusting one proxy before it) and without it:
a read whose X-Forwarded-For is longer than the record's `ip` column, and a failed login with a
201 to 254 character user name, each leave their record in the chain; nothing reaches
auditoria.dlq and the verification stays ok."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from auth.main import build_spec as auth_spec
from auth.settings import Settings as AuthSettings
from gateway.main import create_gateway
from gateway.settings import Settings as GatewaySettings
from sigexp_common import audit
from sigexp_testing.apps import running_app
from sigexp_testing.infra import TestInfra
from sigexp_testing.sockets import served
from sigexp_testing.tokens import TokenFactory
from sigexp_testing.waiting import wait_until


@pytest.fixture(scope="module")
async def red(
    servicio: tuple[FastAPI, httpx.AsyncClient],
    infra: TestInfra,
    smtp: tuple[int, Path],
    tokens: TokenFactory,
) -> AsyncIterator[dict[str, str]]:
    """Base URLs of auditoria and auth served for real, and of a gateway before both that
    trusts one proxy in front of it."""
    auth_settings = AuthSettings(
        database_url=infra.database_url("auth_auditada_por_red"),
        amqp_url=infra.amqp_url,
        smtp_port=smtp[0],
        relay_poll_seconds=0.2,
        jwks_url="http://auth.test/.well-known/jwks.json",
    )
    async with (
        running_app(auth_spec(auth_settings)) as (auth_app, _),
        served(servicio[0]) as auditoria_url,
        served(auth_app) as auth_url,
    ):
        urls = {f"{nombre}_url": auditoria_url for nombre in ("expedientes", "pases", "archivos")}
        gateway = create_gateway(
            GatewaySettings(
                **urls, auth_url=auth_url, auditoria_url=auditoria_url, trusted_proxies="127.0.0.1"
            )
        )
        async with gateway.router.lifespan_context(gateway):
            await gateway.state.verifier.aclose()
            gateway.state.verifier = tokens.verifier()
            async with served(gateway) as gateway_url:
                yield {"gateway": gateway_url, "auditoria": auditoria_url, "auth": auth_url}


def _admin(tokens: TokenFactory) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.token('ADMIN')}"}


async def _registro(url: str, tokens: TokenFactory, accion: str, condicion: Any) -> dict[str, Any]:
    hallado: list[dict[str, Any]] = []

    async def llego() -> bool:
        async with httpx.AsyncClient(base_url=url) as cliente:
            r = await cliente.get(
                "/api/v1/auditoria",
                params={"accion": accion, "limit": 200},
                headers=_admin(tokens),
            )
        hallado[:] = [i for i in r.json()["items"] if condicion(i)]
        return bool(hallado)

    await wait_until(llego)
    return hallado[0]


async def _cadena_completa(url: str, tokens: TokenFactory) -> None:
    async with httpx.AsyncClient(base_url=url) as cliente:
        r = await cliente.get("/api/v1/auditoria/verificacion", headers=_admin(tokens))
    assert r.status_code == 200, r.text
    assert r.json()["ok"] is True, r.json()
    assert r.json()["en_descarte"] == 0


FALSAS = {
    "digitos": "1" * 300,
    "ipv6_con_zona": "fe80::1%" + "z" * 100,  # a valid address, longer than the column
    "lista": ", ".join(["203.0.113.9"] * 30),
}


@pytest.mark.parametrize("via", ["gateway", "auditoria"])
@pytest.mark.parametrize("falsa", FALSAS.values(), ids=FALSAS.keys())
async def test_lectura_con_x_forwarded_for_mas_largo_que_la_columna_queda_en_la_cadena(
    red: dict[str, str], tokens: TokenFactory, via: str, falsa: str
) -> None:
    marca = f"marca.{uuid.uuid4().hex}"  # the read's own filter travels in its record
    async with httpx.AsyncClient(base_url=red[via]) as cliente:
        r = await cliente.get(
            "/api/v1/auditoria",
            params={"accion": marca},
            headers={**_admin(tokens), "X-Forwarded-For": falsa},
        )
    assert r.status_code == 200, r.text
    registro = await _registro(
        red["auditoria"],
        tokens,
        "auditoria.consultar",
        lambda i: i["detalle"].get("accion") == marca,
    )
    assert registro["ip"]
    assert len(registro["ip"]) <= audit.MAX_IP
    await _cadena_completa(red["auditoria"], tokens)


@pytest.mark.parametrize("largo", [201, 230, 254])
async def test_login_fallido_con_usuario_de_201_a_254_caracteres_queda_en_la_cadena(
    red: dict[str, str], tokens: TokenFactory, largo: int
) -> None:
    dominio = "@x.test.ar"
    prefijo = uuid.uuid4().hex
    nombre = prefijo + "n" * (largo - len(prefijo) - len(dominio)) + dominio
    assert len(nombre) == largo
    async with httpx.AsyncClient(base_url=red["gateway"]) as cliente:
        r = await cliente.post(
            "/api/v1/auth/login", json={"usuario": nombre, "password": "no-es-la-clave-1234"}
        )
    assert r.status_code == 401, r.text
    registro = await _registro(
        red["auditoria"],
        tokens,
        "auth.login_fallido",
        lambda i: (i["usuario"]["usuario"] or "").startswith(prefijo),
    )
    assert registro["resultado"] == audit.DENEGADO
    assert len(registro["usuario"]["usuario"]) <= audit.MAX_USUARIO
    await _cadena_completa(red["auditoria"], tokens)


async def test_login_fallido_con_un_surrogate_suelto_en_el_usuario_queda_en_la_cadena(
    red: dict[str, str], tokens: TokenFactory
) -> None:
    prefijo = uuid.uuid4().hex
    async with httpx.AsyncClient(base_url=red["gateway"]) as cliente:
        r = await cliente.post(  # JSON allows the escape; UTF-8 has no such character
            "/api/v1/auth/login",
            content=json.dumps({"usuario": prefijo + "\ud800@x.test.ar", "password": "x" * 12}),
            headers={"Content-Type": "application/json"},
        )
    assert r.status_code in {401, 422}, r.text
    if r.status_code == 401:  # taken as a user name: its refusal is recorded like any other
        registro = await _registro(
            red["auditoria"],
            tokens,
            "auth.login_fallido",
            lambda i: (i["usuario"]["usuario"] or "").startswith(prefijo),
        )
        assert registro["usuario"]["usuario"] == prefijo + "?@x.test.ar"
    await _cadena_completa(red["auditoria"], tokens)
