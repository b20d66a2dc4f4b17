"""Webhooks against a real HTTPS server (a self-signed certificate made here, trusted through
`INTEGRACIONES_WEBHOOK_CA`): signed deliveries, in order after an outage, the delivery log,
parking after the term and manual retries, and replays from the archive."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from integraciones_ayudas import Certificado, DestinoWebhook, iniciado, pase_enviado, publicar

from integraciones import webhook
from integraciones.despacho import Despachador
from integraciones.main import build_spec
from integraciones.publicador import Publicador
from integraciones.settings import Settings
from sigexp_common.broker import Broker
from sigexp_common.envelope import utcnow
from sigexp_testing.waiting import wait_until

RUTA = "/api/v1/integraciones/suscriptores"


@pytest.fixture
async def destino(ca_de_pruebas: Certificado) -> AsyncIterator[DestinoWebhook]:
    d = DestinoWebhook(ca_de_pruebas)
    yield d
    await d.bajar()


async def _registrar(
    client: httpx.AsyncClient, admin: dict[str, str], url: str, **datos: Any
) -> dict[str, Any]:
    cuerpo = {
        "nombre": "Ministerio con webhook",
        "organismo_id": str(uuid.uuid4()),
        "webhook_url": url,
        "claves": ["sigexp.pase.#"],
        **datos,
    }
    respuesta = await client.post(RUTA, json=cuerpo, headers=admin)
    assert respuesta.status_code == 201, respuesta.text
    return respuesta.json()


async def _entregas(
    client: httpx.AsyncClient, admin: dict[str, str], sid: str
) -> list[dict[str, Any]]:
    respuesta = await client.get(f"{RUTA}/{sid}/entregas", headers=admin)
    assert respuesta.status_code == 200
    return list(reversed(respuesta.json()["items"]))  # oldest first


async def test_la_firma_verifica_y_un_cuerpo_alterado_no(
    servicio: tuple[FastAPI, httpx.AsyncClient],
    admin: dict[str, str],
    bus: Broker,
    destino: DestinoWebhook,
) -> None:
    _, client = servicio
    await destino.levantar()
    s = await _registrar(client, admin, destino.url)
    secreto = s["credenciales"]["webhook_secreto"]
    exp, m1, m2 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await publicar(bus, pase_enviado(exp, m1, m2, version=2))

    await wait_until(lambda: _hay(destino, 1), timeout=30)

    [llegado] = destino.recibidos
    ts, firma = llegado.cabeceras[webhook.TIMESTAMP], llegado.cabeceras[webhook.FIRMA]
    assert json.loads(llegado.cuerpo)["data"]["expediente_id"] == str(exp)
    assert webhook.verificar(secreto, ts, llegado.cuerpo, firma)
    alterado = llegado.cuerpo.replace(str(exp).encode(), str(uuid.uuid4()).encode())
    assert not webhook.verificar(secreto, ts, alterado, firma)
    assert not webhook.verificar("otro-secreto-de-16-o-mas", ts, llegado.cuerpo, firma)
    assert not webhook.verificar(secreto, str(int(ts) - 3600), llegado.cuerpo, firma)


async def _hay(destino: DestinoWebhook, cuantos: int) -> bool:
    return len(destino.recibidos) >= cuantos


def _de_este_recibidos(
    destino: DestinoWebhook, suscriptor: dict[str, Any], exp: uuid.UUID
) -> list[dict[str, Any]]:
    """What reached `destino` signed with `suscriptor`'s secret, about `exp`."""
    secreto = suscriptor["credenciales"]["webhook_secreto"]
    eventos = []
    for r in destino.recibidos:
        firma, ts = r.cabeceras[webhook.FIRMA], r.cabeceras[webhook.TIMESTAMP]
        evento = json.loads(r.cuerpo)
        if webhook.verificar(secreto, ts, r.cuerpo, firma) and evento["subject"] == str(exp):
            eventos.append(evento)
    return eventos


async def _de_este(
    destino: DestinoWebhook, suscriptor: dict[str, Any], exp: uuid.UUID, cuantos: int
) -> bool:
    return len(_de_este_recibidos(destino, suscriptor, exp)) >= cuantos


async def test_un_destino_caido_recibe_todo_en_orden_cuando_vuelve(
    servicio: tuple[FastAPI, httpx.AsyncClient],
    admin: dict[str, str],
    bus: Broker,
    destino: DestinoWebhook,
) -> None:
    _, client = servicio
    s = await _registrar(client, admin, destino.url)
    exp, m1, m2 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await publicar(bus, *(pase_enviado(exp, m1, m2, version=v) for v in range(2, 12)))

    async def fallaron() -> bool:
        entregas = await _entregas(client, admin, s["id"])
        return len(entregas) == 10 and sum(e["intentos"] for e in entregas) >= 2

    await wait_until(fallaron, timeout=60)  # down: refused connections, retried with backoff
    await destino.levantar()

    async def entregadas() -> bool:
        entregas = await _entregas(client, admin, s["id"])
        return all(e["estado"] == "ENTREGADA" for e in entregas)

    await wait_until(entregadas, timeout=60)

    entregas = await _entregas(client, admin, s["id"])
    ids = [json.loads(r.cuerpo)["id"] for r in destino.recibidos]
    assert ids == [e["evento_id"] for e in entregas]  # every one, once, in the archive's order
    primera = entregas[0]
    assert [i["ok"] for i in primera["historial"]][-1] is True
    assert not any(i["ok"] for i in primera["historial"][:-1])
    assert primera["historial"][0]["error"]


async def test_reenvio_desde_un_instante_y_desde_un_evento_en_orden(
    servicio: tuple[FastAPI, httpx.AsyncClient],
    admin: dict[str, str],
    bus: Broker,
    destino: DestinoWebhook,
) -> None:
    _, client = servicio
    await destino.levantar()
    antes = utcnow() - timedelta(seconds=1)
    await _registrar(client, admin, destino.url, claves=["#"])  # to know the archive has them
    exp, m1, m2 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await publicar(bus, iniciado(exp, "PUBLICO", mesa_id=m1))
    await publicar(bus, *(pase_enviado(exp, m1, m2, version=v) for v in range(2, 6)))
    await wait_until(lambda: _hay(destino, 5), timeout=30)
    destino.recibidos.clear()
    # A subscriber that came later asks for what it missed: only its keys (the pases).
    s = await _registrar(client, admin, destino.url, claves=["sigexp.pase.enviado.v1"])

    respuesta = await client.post(
        f"{RUTA}/{s['id']}/reenvio", json={"desde": antes.isoformat()}, headers=admin
    )

    assert respuesta.status_code == 202
    assert respuesta.json()["eventos"] >= 4
    await wait_until(lambda: _de_este(destino, s, exp, 4), timeout=30)
    recibidos = _de_este_recibidos(destino, s, exp)
    # The four pases, in the order they happened (the expediente's version), once each.
    assert [r["sequence"] for r in recibidos] == [2, 3, 4, 5]
    assert {r["type"] for r in recibidos} == {"sigexp.pase.enviado.v1"}

    destino.recibidos.clear()
    respuesta = await client.post(
        f"{RUTA}/{s['id']}/reenvio", json={"desde_evento": recibidos[1]["id"]}, headers=admin
    )
    assert respuesta.status_code == 202
    await wait_until(lambda: _de_este(destino, s, exp, 2), timeout=30)
    assert [r["sequence"] for r in _de_este_recibidos(destino, s, exp)] == [4, 5]
    sin_origen = await client.post(f"{RUTA}/{s['id']}/reenvio", json={}, headers=admin)
    assert sin_origen.status_code == 422


async def test_una_entrega_que_no_llega_en_el_plazo_queda_aparcada_y_se_reintenta_a_mano(
    servicio: tuple[FastAPI, httpx.AsyncClient],
    admin: dict[str, str],
    bus: Broker,
    destino: DestinoWebhook,
    ajustar: Callable[..., Settings],
    ca_de_pruebas: Certificado,
) -> None:
    app, client = servicio
    s = await _registrar(client, admin, destino.url)
    exp, m1, m2 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await publicar(bus, pase_enviado(exp, m1, m2, version=2))
    # A dispatcher whose term is a tenth of a second, on the same database.
    corto = ajustar(webhook_ca=str(ca_de_pruebas.cert), webhook_plazo_horas=0.1 / 3600)
    spec = build_spec(corto)
    pub = Publicador(corto.amqp_url, corto.exchange_publico, corto.exchange_directo)
    clientes = webhook.ClienteWebhooks(corto.webhook_ca, 3.0)
    despachador = Despachador(app.state.sessions, pub, clientes, corto)
    del spec

    async def aparcada() -> bool:
        entregas = await _entregas(client, admin, s["id"])
        if entregas and entregas[0]["estado"] == "APARCADA":
            return True
        await despachador.entregar_a(uuid.UUID(s["id"]))
        return False

    try:
        await wait_until(aparcada, timeout=60)
    finally:
        await clientes.cerrar()
    detalle = (await client.get(f"{RUTA}/{s['id']}", headers=admin)).json()
    assert detalle["entregas_aparcadas"] == 1
    await destino.levantar()

    respuesta = await client.post(f"{RUTA}/{s['id']}/entregas/reintento", headers=admin)

    assert respuesta.json() == {"entregas": 1}
    await wait_until(lambda: _hay(destino, 1), timeout=30)
    assert json.loads(destino.recibidos[0].cuerpo)["data"]["expediente_id"] == str(exp)
