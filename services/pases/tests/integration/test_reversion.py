"""Reversal of a pase sent by mistake: the sender asks, ADMIN approves or rejects."""

from __future__ import annotations

import uuid

import httpx
from pases_ayudas import Escenario


async def _solicitar(
    escenario: Escenario, pase_id: str, mesa: uuid.UUID, motivo: str = "Enviado por error"
) -> httpx.Response:
    return await escenario.cliente.post(
        f"/api/v1/pases/{pase_id}/solicitudes-reversion",
        json={"motivo": motivo},
        headers=escenario.headers(mesa),
    )


def _admin(escenario: Escenario) -> dict[str, str]:
    return escenario.headers(None, "ADMIN")


async def test_reversion_aprobada_de_un_pase_pendiente_devuelve_la_custodia_al_remitente(
    escenario: Escenario, escuchar
) -> None:
    escucha = await escuchar("sigexp.pase.revertido.v1", "sigexp.custodia.actualizada.v1")
    origen, destino = await escenario.mesa(), await escenario.mesa()
    expediente = await escenario.expediente(origen)
    pase_id = (await escenario.enviar(origen, destino, [expediente])).json()["pases"][0]["id"]

    solicitud = await _solicitar(escenario, pase_id, origen)
    assert solicitud.status_code == 201, solicitud.text
    assert solicitud.json()["estado"] == "PENDIENTE"
    pendientes = await escenario.cliente.get(
        "/api/v1/solicitudes-reversion", params={"estado": "PENDIENTE"}, headers=_admin(escenario)
    )
    assert solicitud.json()["id"] in [s["id"] for s in pendientes.json()["items"]]
    assert {s["estado"] for s in pendientes.json()["items"]} == {"PENDIENTE"}

    r = await escenario.cliente.post(
        f"/api/v1/solicitudes-reversion/{solicitud.json()['id']}/aprobar",
        json={"motivo": "Corresponde"},
        headers=_admin(escenario),
    )

    assert r.status_code == 200, r.text
    assert (r.json()["estado"], r.json()["motivo_decision"]) == ("APROBADA", "Corresponde")
    tenencia = await escenario.tenencia(expediente)
    assert (tenencia.mesa_id, tenencia.en_transito, tenencia.permiso) == (
        origen,
        False,
        "ESCRITURA",
    )
    assert (tenencia.mesa_origen_id, tenencia.version) == (None, 3)
    recorrido = await escenario.cliente.get(
        f"/api/v1/expedientes/{expediente}/pases", headers=escenario.headers(origen)
    )
    (pase,) = recorrido.json()["items"]
    assert (pase["estado"], pase["motivo_reversion"]) == ("REVERTIDO", "Enviado por error")
    eventos = await escucha(
        lambda evs: (
            {(e["type"], e["sequence"]) for e in evs if e["subject"] == str(expediente)}
            >= {("sigexp.pase.revertido.v1", 3), ("sigexp.custodia.actualizada.v1", 3)}
        )
    )
    revertido = next(
        e
        for e in eventos
        if (e["type"], e["subject"]) == ("sigexp.pase.revertido.v1", str(expediente))
    )["data"]
    assert (revertido["pase_id"], revertido["solicitud_id"]) == (pase_id, solicitud.json()["id"])
    assert revertido["habia_sido_recibido"] is False
    assert revertido["motivo"] == "Enviado por error"
    # the destination can no longer receive it; the sender holds it and may send it again
    recibir = await escenario.cliente.post(
        f"/api/v1/pases/{pase_id}/recepcion", json={}, headers=escenario.headers(destino)
    )
    assert recibir.status_code == 409
    assert (await escenario.enviar(origen, destino, [expediente])).status_code == 201


async def test_reversion_de_un_pase_recibido_descuenta_lo_que_agrego(
    escenario: Escenario, escuchar
) -> None:
    escucha = await escuchar("sigexp.pase.revertido.v1")
    origen, destino = await escenario.mesa(), await escenario.mesa()
    expediente = await escenario.expediente(origen, fojas=10, tomos=1)
    envio = await escenario.enviar(
        origen, destino, [expediente], fojas_agregadas=3, tomos_agregados=1
    )
    pase_id = envio.json()["pases"][0]["id"]
    await escenario.cliente.post(
        f"/api/v1/pases/{pase_id}/recepcion", json={}, headers=escenario.headers(destino)
    )
    assert (await escenario.tenencia(expediente)).fojas == 13
    solicitud = (await _solicitar(escenario, pase_id, origen)).json()

    r = await escenario.cliente.post(
        f"/api/v1/solicitudes-reversion/{solicitud['id']}/aprobar", headers=_admin(escenario)
    )

    assert r.status_code == 200, r.text
    tenencia = await escenario.tenencia(expediente)
    assert (tenencia.mesa_id, tenencia.fojas, tenencia.tomos, tenencia.version) == (
        origen,
        10,
        1,
        4,
    )
    eventos = await escucha(lambda evs: any(e["subject"] == str(expediente) for e in evs))
    assert eventos[-1]["sequence"] == 4
    datos = eventos[-1]["data"]
    assert (datos["habia_sido_recibido"], datos["fojas_agregadas"], datos["tomos_agregados"]) == (
        True,
        3,
        1,
    )


async def test_solicitud_de_reversion_de_otra_mesa_es_404(escenario: Escenario) -> None:
    origen, destino = await escenario.mesa(), await escenario.mesa()
    expediente = await escenario.expediente(origen)
    pase_id = (await escenario.enviar(origen, destino, [expediente])).json()["pases"][0]["id"]
    for mesa in (destino, await escenario.mesa()):
        r = await _solicitar(escenario, pase_id, mesa)
        assert r.status_code == 404
        assert r.json()["detail"] == "El pase no existe."


async def test_una_sola_solicitud_pendiente_por_pase(escenario: Escenario) -> None:
    origen, destino = await escenario.mesa(), await escenario.mesa()
    expediente = await escenario.expediente(origen)
    pase_id = (await escenario.enviar(origen, destino, [expediente])).json()["pases"][0]["id"]
    assert (await _solicitar(escenario, pase_id, origen)).status_code == 201
    otra = await _solicitar(escenario, pase_id, origen)
    assert otra.status_code == 409
    assert otra.json()["detail"] == "Ya hay una solicitud de reversión pendiente para este pase."


async def test_solo_admin_lista_y_decide_las_solicitudes(escenario: Escenario) -> None:
    origen, destino = await escenario.mesa(), await escenario.mesa()
    expediente = await escenario.expediente(origen)
    pase_id = (await escenario.enviar(origen, destino, [expediente])).json()["pases"][0]["id"]
    solicitud = (await _solicitar(escenario, pase_id, origen)).json()
    for perfil in ("MESA_ENTRADA", "AUTORIDAD"):
        headers = escenario.headers(origen, perfil)
        listar = await escenario.cliente.get("/api/v1/solicitudes-reversion", headers=headers)
        aprobar = await escenario.cliente.post(
            f"/api/v1/solicitudes-reversion/{solicitud['id']}/aprobar", headers=headers
        )
        assert (listar.status_code, aprobar.status_code) == (403, 403), perfil
    assert (await escenario.tenencia(expediente)).en_transito is True


async def test_solicitud_rechazada_deja_el_pase_como_estaba(escenario: Escenario) -> None:
    origen, destino = await escenario.mesa(), await escenario.mesa()
    expediente = await escenario.expediente(origen)
    pase_id = (await escenario.enviar(origen, destino, [expediente])).json()["pases"][0]["id"]
    solicitud = (await _solicitar(escenario, pase_id, origen)).json()

    r = await escenario.cliente.post(
        f"/api/v1/solicitudes-reversion/{solicitud['id']}/rechazar",
        json={"motivo": "El pase es correcto"},
        headers=_admin(escenario),
    )

    assert r.status_code == 200, r.text
    assert (r.json()["estado"], r.json()["motivo_decision"]) == ("RECHAZADA", "El pase es correcto")
    tenencia = await escenario.tenencia(expediente)
    assert (tenencia.mesa_id, tenencia.en_transito, tenencia.version) == (destino, True, 2)
    otra_vez = await escenario.cliente.post(
        f"/api/v1/solicitudes-reversion/{solicitud['id']}/aprobar", headers=_admin(escenario)
    )
    assert otra_vez.status_code == 409
    assert otra_vez.json()["detail"] == "La solicitud ya fue rechazada."
    rechazadas = await escenario.cliente.get(
        "/api/v1/solicitudes-reversion", params={"estado": "RECHAZADA"}, headers=_admin(escenario)
    )
    assert solicitud["id"] in [s["id"] for s in rechazadas.json()["items"]]


async def test_no_se_revierte_un_pase_despues_del_cual_el_expediente_siguio_viaje(
    escenario: Escenario,
) -> None:
    a, b, c = await escenario.mesa(), await escenario.mesa(), await escenario.mesa()
    expediente = await escenario.expediente(a)
    pase_id = (await escenario.enviar(a, b, [expediente])).json()["pases"][0]["id"]
    await escenario.cliente.post(
        f"/api/v1/pases/{pase_id}/recepcion", json={}, headers=escenario.headers(b)
    )
    solicitud = (await _solicitar(escenario, pase_id, a)).json()
    assert (await escenario.enviar(b, c, [expediente])).status_code == 201

    r = await escenario.cliente.post(
        f"/api/v1/solicitudes-reversion/{solicitud['id']}/aprobar", headers=_admin(escenario)
    )

    assert r.status_code == 409
    assert "ya siguió su recorrido" in r.json()["detail"]
    assert (await escenario.tenencia(expediente)).mesa_id == c
    ahora = await _solicitar(escenario, pase_id, a, "otra vez")
    assert ahora.status_code == 409
