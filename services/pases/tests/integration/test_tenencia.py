"""Pases owns custody: it learns new expedientes from the bus, the starting desk holds them, and
it publishes that custody for every other service's copy."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx

from sigexp_common.broker import Broker
from sigexp_common.envelope import Envelope
from sigexp_common.ids import uuid7
from sigexp_testing.tokens import TokenFactory
from sigexp_testing.waiting import wait_until


def _iniciado(
    mesa_id: uuid.UUID, caracter: str = "PUBLICO", expediente_id: uuid.UUID | None = None
) -> Envelope:
    expediente_id = expediente_id or uuid7()
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


async def _recorrido_cuando_llegue(
    cliente: httpx.AsyncClient, expediente_id: str, headers: dict[str, str]
) -> dict:
    url = f"/api/v1/expedientes/{expediente_id}/pases"

    async def registrado() -> bool:
        return (await cliente.get(url, headers=headers)).status_code == 200

    await wait_until(registrado)
    return (await cliente.get(url, headers=headers)).json()


async def test_expediente_iniciado_deja_a_la_mesa_de_inicio_como_tenedora(
    cliente: httpx.AsyncClient, bus: Broker, tokens: TokenFactory
) -> None:
    mesa = uuid.uuid4()
    evento = _iniciado(mesa)
    await _publicar(bus, evento)
    recorrido = await _recorrido_cuando_llegue(
        cliente, str(evento.subject), _auth(tokens, "MESA_ENTRADA", mesa)
    )
    assert recorrido["items"] == []
    tenencia = recorrido["tenencia"]
    assert tenencia["mesa_id"] == str(mesa)
    assert tenencia["permiso"] == "ESCRITURA"
    assert (tenencia["en_transito"], tenencia["mesas"], tenencia["version"]) == (
        False,
        [str(mesa)],
        1,
    )
    assert tenencia["tiempo_en_mesa_segundos"] >= 300


async def test_la_custodia_inicial_se_publica_con_su_version_una_sola_vez(
    cliente: httpx.AsyncClient, bus: Broker, tokens: TokenFactory, escuchar
) -> None:
    escucha = await escuchar("sigexp.custodia.actualizada.v1")
    mesa = uuid.uuid4()
    evento = _iniciado(mesa)
    await _publicar(bus, evento)
    await _publicar(bus, evento)  # a redelivery of the same event
    # ... and the same alta announced again under another event id (a republication)
    await _publicar(bus, _iniciado(mesa, expediente_id=uuid.UUID(str(evento.subject))))
    await _publicar(bus, centinela := _iniciado(mesa))  # published after them, seen after them

    def hasta_el_centinela(eventos: list[dict]) -> bool:
        return any(e["subject"] == centinela.subject for e in eventos)

    eventos = await escucha(hasta_el_centinela)
    propios = [e for e in eventos if e["subject"] == evento.subject]
    assert len(propios) == 1
    custodia = propios[0]
    assert custodia["source"] == "/sigexp/pases"
    assert custodia["sequence"] == 1
    assert custodia["data"] == {
        "expediente_id": evento.subject,
        "mesa_id": str(mesa),
        "permiso": "ESCRITURA",
        "en_transito": False,
        "mesa_origen_id": None,
        "mesas": [str(mesa)],
        "desde": custodia["data"]["desde"],
    }
    assert datetime.fromisoformat(custodia["data"]["desde"]) == datetime.fromisoformat(
        evento.data["creado_en"]
    )


async def test_recorrido_de_un_expediente_recien_creado_que_no_llego_es_409_con_retry_after(
    cliente: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    recien_creado = uuid7()  # expedientes made it a moment ago; its event is still on the bus
    r = await cliente.get(
        f"/api/v1/expedientes/{recien_creado}/pases", headers=_auth(tokens, "AUTORIDAD", None)
    )
    assert r.status_code == 409
    assert r.headers["retry-after"] == "1"
    assert "todavía no figura" in r.json()["detail"]


async def test_recorrido_de_un_id_que_no_es_de_ningun_expediente_es_404(
    cliente: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    viejo = uuid7(datetime.now(UTC) - timedelta(hours=2))  # pases would have heard of it
    headers = _auth(tokens, "AUTORIDAD", None)
    for inexistente in (viejo, uuid.uuid4()):
        r = await cliente.get(f"/api/v1/expedientes/{inexistente}/pases", headers=headers)
        assert r.status_code == 404, inexistente
        assert r.json()["detail"] == "El expediente no existe."


async def test_recorrido_de_publico_de_otra_mesa_es_403(
    cliente: httpx.AsyncClient, bus: Broker, tokens: TokenFactory
) -> None:
    mesa = uuid.uuid4()
    publico = _iniciado(mesa)
    await _publicar(bus, publico)
    await _recorrido_cuando_llegue(cliente, str(publico.subject), _auth(tokens, "CONSULTA", mesa))
    otra = _auth(tokens, "MESA_ENTRADA", uuid.uuid4())
    r = await cliente.get(f"/api/v1/expedientes/{publico.subject}/pases", headers=otra)
    assert r.status_code == 403
    assert r.json()["detail"] == "El expediente no pasó por su mesa: no puede ver su recorrido."


async def test_reservado_de_otra_mesa_responde_y_se_audita_igual_que_uno_inexistente(
    cliente: httpx.AsyncClient, bus: Broker, tokens: TokenFactory, escuchar
) -> None:
    mesa = uuid.uuid4()
    # Both ids of the same age: a young one answers 409 either way (test_reservado_sin_oraculo)
    reservado = _iniciado(mesa, "RESERVADO", uuid7(datetime.now(UTC) - timedelta(days=30)))
    await _publicar(bus, reservado)
    await _recorrido_cuando_llegue(cliente, str(reservado.subject), _auth(tokens, "CONSULTA", mesa))
    escucha = await escuchar("sigexp.acceso.registrado.v1")
    usuario_id = uuid.uuid4()
    otra = {
        "Authorization": "Bearer "
        + tokens.token("MESA_ENTRADA", usuario_id=usuario_id, mesa_id=uuid.uuid4())
    }
    inexistente = str(uuid7(datetime.now(UTC) - timedelta(days=30)))
    respuestas = {
        ident: await cliente.get(f"/api/v1/expedientes/{ident}/pases", headers=otra)
        for ident in (str(reservado.subject), inexistente)
    }
    registros = await escucha(
        lambda ev: (
            {e["subject"] for e in ev if e["data"]["usuario_id"] == str(usuario_id)}
            >= set(respuestas)
        )
    )
    assert _sin_id(respuestas[str(reservado.subject)], reservado.subject) == _sin_id(
        respuestas[inexistente], inexistente
    )
    assert respuestas[inexistente].status_code == 404
    de_cada_uno = {
        e["subject"]: _sin_id_registro(e["data"])
        for e in registros
        if e["data"]["usuario_id"] == str(usuario_id)
    }
    assert de_cada_uno[str(reservado.subject)] == de_cada_uno[inexistente]
    assert de_cada_uno[inexistente]["resultado"] == "DENEGADO"


def _sin_id(respuesta: httpx.Response, ident: object) -> tuple[int, str, dict]:
    cuerpo = respuesta.json()
    assert cuerpo.pop("instance") == f"/api/v1/expedientes/{ident}/pases"
    return respuesta.status_code, respuesta.headers["content-type"], cuerpo


def _sin_id_registro(registro: dict) -> dict:
    return {
        k: v
        for k, v in registro.items()
        if k not in {"en", "expediente_id", "recurso", "request_id"}
    }
