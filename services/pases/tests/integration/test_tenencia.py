"""Pases learns of new expedientes from the bus: the starting desk holds them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx

from sigexp_common.broker import Broker
from sigexp_common.envelope import Envelope
from sigexp_common.testing.tokens import TokenFactory
from sigexp_common.testing.waiting import wait_until


def _iniciado(mesa_id: uuid.UUID, caracter: str = "PUBLICO") -> Envelope:
    expediente_id = uuid.uuid4()
    return Envelope(
        source="/sigexp/expedientes",
        type="sigexp.expediente.iniciado.v1",
        subject=str(expediente_id),
        data={
            "expediente_id": str(expediente_id),
            "referencia": "7-2026",
            "caracter": caracter,
            "estado": "EN_TRAMITE",
            "tomos": 1,
            "fojas": 3,
            "mesa_id": str(mesa_id),
            "permiso": "ESCRITURA",
            "creado_en": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
            "un_campo_nuevo": "los consumidores toleran campos desconocidos",
        },
    )


async def _publicar(bus: Broker, envelope: Envelope) -> None:
    await bus.publish(envelope.to_bytes(), envelope.type, message_id=str(envelope.id))


def _auth(tokens: TokenFactory, perfil: str, mesa_id: uuid.UUID | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.token(perfil, mesa_id=mesa_id)}"}


async def test_expediente_iniciado_deja_a_la_mesa_de_inicio_como_tenedora(
    cliente: httpx.AsyncClient, bus: Broker, tokens: TokenFactory
) -> None:
    mesa = uuid.uuid4()
    evento = _iniciado(mesa)
    await _publicar(bus, evento)
    url = f"/api/v1/expedientes/{evento.subject}/pases"
    headers = _auth(tokens, "MESA_ENTRADA", mesa)

    async def registrado() -> bool:
        return (await cliente.get(url, headers=headers)).status_code == 200

    await wait_until(registrado)
    recorrido = (await cliente.get(url, headers=headers)).json()
    assert recorrido["items"] == []
    assert recorrido["tenencia"]["mesa_id"] == str(mesa)
    assert recorrido["tenencia"]["permiso"] == "ESCRITURA"
    assert recorrido["tenencia"]["tiempo_en_mesa_segundos"] >= 300


async def test_recorrido_antes_de_que_llegue_el_evento_es_409_con_retry_after(
    cliente: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    r = await cliente.get(
        f"/api/v1/expedientes/{uuid.uuid4()}/pases", headers=_auth(tokens, "AUTORIDAD", None)
    )
    assert r.status_code == 409
    assert r.headers["retry-after"] == "1"
    assert "todavía no figura" in r.json()["detail"]


async def test_recorrido_de_otra_mesa_es_403_y_de_reservado_ajeno_404(
    cliente: httpx.AsyncClient, bus: Broker, tokens: TokenFactory
) -> None:
    mesa, ajena = uuid.uuid4(), uuid.uuid4()
    publico, reservado = _iniciado(mesa), _iniciado(mesa, "RESERVADO")
    await _publicar(bus, publico)
    await _publicar(bus, reservado)
    propia = _auth(tokens, "CONSULTA", mesa)

    async def ambos() -> bool:
        for evento in (publico, reservado):
            r = await cliente.get(f"/api/v1/expedientes/{evento.subject}/pases", headers=propia)
            if r.status_code != 200:
                return False
        return True

    await wait_until(ambos)
    otra = _auth(tokens, "MESA_ENTRADA", ajena)
    r_pub = await cliente.get(f"/api/v1/expedientes/{publico.subject}/pases", headers=otra)
    r_res = await cliente.get(f"/api/v1/expedientes/{reservado.subject}/pases", headers=otra)
    assert (r_pub.status_code, r_res.status_code) == (403, 404)
