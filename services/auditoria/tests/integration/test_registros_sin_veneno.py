"""Audit records can never be poison: what a client sends is bounded where the record is made,
auditoria stores every well-formed record, and one that still fails is reported by the
chain verification while it sits in auditoria.dlq. Auth runs in-process beside auditoria."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aio_pika
import httpx
import pytest
from fastapi import FastAPI

from auth.main import build_spec as auth_spec
from auth.settings import Settings as AuthSettings
from sigexp_common import audit
from sigexp_common.broker import Broker
from sigexp_common.envelope import Envelope
from sigexp_testing.apps import running_app
from sigexp_testing.infra import TestInfra
from sigexp_testing.tokens import TokenFactory
from sigexp_testing.waiting import wait_until


@pytest.fixture(scope="module")
async def auth(infra: TestInfra, smtp: tuple[int, Path]) -> AsyncIterator[httpx.AsyncClient]:
    settings = AuthSettings(
        database_url=infra.database_url("auth_auditada"),
        amqp_url=infra.amqp_url,
        smtp_port=smtp[0],
        relay_poll_seconds=0.2,
        jwks_url="http://auth.test/.well-known/jwks.json",
    )
    async with running_app(auth_spec(settings)) as (_, cliente):
        yield cliente


def _admin(tokens: TokenFactory) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.token('ADMIN')}"}


async def _buscar(
    cliente: httpx.AsyncClient, tokens: TokenFactory, accion: str, condicion: Any
) -> dict[str, Any]:
    hallado: list[dict[str, Any]] = []

    async def llego() -> bool:
        r = await cliente.get(
            "/api/v1/auditoria", params={"accion": accion, "limit": 200}, headers=_admin(tokens)
        )
        hallado[:] = [i for i in r.json()["items"] if condicion(i)]
        return bool(hallado)

    await wait_until(llego)
    return hallado[0]


async def _verificacion(cliente: httpx.AsyncClient, tokens: TokenFactory) -> dict[str, Any]:
    r = await cliente.get("/api/v1/auditoria/verificacion", headers=_admin(tokens))
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_login_fallido_con_usuario_de_254_caracteres_queda_guardado(
    servicio: tuple[FastAPI, httpx.AsyncClient], auth: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    _, cliente = servicio
    nombre = "n" * 244 + "@x.test.ar"
    r = await auth.post("/api/v1/auth/login", json={"usuario": nombre, "password": "no-es-1234"})
    assert r.status_code == 401
    registro = await _buscar(
        cliente,
        tokens,
        "auth.login_fallido",
        lambda i: (i["usuario"]["usuario"] or "").startswith("n" * 100),
    )
    assert registro["resultado"] == audit.DENEGADO
    assert registro["servicio"] == "auth"
    assert len(registro["usuario"]["usuario"]) == audit.MAX_USUARIO
    assert registro["usuario"]["usuario"].endswith(audit.MARCA)
    verificacion = await _verificacion(cliente, tokens)
    assert verificacion["ok"] is True, verificacion
    assert verificacion["en_descarte"] == 0


async def test_una_lectura_con_x_forwarded_for_de_300_caracteres_queda_guardada(
    servicio: tuple[FastAPI, httpx.AsyncClient], tokens: TokenFactory
) -> None:
    _, cliente = servicio
    falsa = "1" * 300
    r = await cliente.get("/api/v1/auditoria", headers={**_admin(tokens), "X-Forwarded-For": falsa})
    assert r.status_code == 200
    # A caller's own X-Forwarded-For is not believed (only the gateway's, with its secret):
    # the read is recorded, with the caller's real address.
    registro = await _buscar(
        cliente, tokens, "auditoria.consultar", lambda i: i["ip"] == "127.0.0.1"
    )
    assert registro["ip"] == "127.0.0.1"
    assert (await _verificacion(cliente, tokens))["ok"] is True


async def _fallidos_invalidos(cliente: httpx.AsyncClient) -> float:
    metricas = (await cliente.get("/metrics")).text
    linea = 'sigexp_auditoria_registros_fallidos_total{causa="invalido"} '
    return sum(float(m.split()[-1]) for m in metricas.splitlines() if m.startswith(linea))


async def test_un_registro_malformado_termina_en_la_dlq_y_la_verificacion_lo_informa(
    servicio: tuple[FastAPI, httpx.AsyncClient],
    bus: Broker,
    infra: TestInfra,
    tokens: TokenFactory,
) -> None:
    _, cliente = servicio
    fallidos_antes = await _fallidos_invalidos(cliente)
    malformado = Envelope(
        source="/sigexp/expedientes",
        type=audit.AccesoRegistrado.event_type,
        data={"en": "ayer a la tarde", "usuario_id": "no-es-uuid"},  # and no `accion`
    )
    await bus.publish(malformado.to_bytes(), malformado.type, message_id=str(malformado.id))
    verificacion: dict[str, Any] = {}

    async def informada() -> bool:
        verificacion.update(await _verificacion(cliente, tokens))
        return verificacion["ok"] is False

    try:
        await wait_until(informada)
        assert verificacion["en_descarte"] == 1
        assert verificacion["primer_error"] == (
            "1 mensaje de auditoría en la cola de descarte (auditoria.dlq) sin guardar en la cadena"
        )
        assert await _fallidos_invalidos(cliente) == fallidos_antes + 1
    finally:  # what an operator does once the record is dealt with; later tests need it empty
        connection = await aio_pika.connect(infra.amqp_url)
        async with connection:
            channel = await connection.channel()
            await (await channel.declare_queue("auditoria.dlq", passive=True)).purge()
    assert (await _verificacion(cliente, tokens))["ok"] is True
