"""Acumulación (tramitación conjunta): the accumulated expediente travels with its principal —
a pase of the principal moves both, on one remito; it is never sent alone; reception,
rejection and reversal of the principal's pase reach it — until a desglose at the desk holding
the principal restores its independent movement. Consistent under concurrent operations."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from pases_ayudas import Escenario

MOTIVO = "Tramitan la misma contratación"


async def _acumular(
    escenario: Escenario, principal: uuid.UUID, acumulado: uuid.UUID, mesa: uuid.UUID, **extra
) -> httpx.Response:
    return await escenario.cliente.post(
        f"/api/v1/expedientes/{principal}/acumulados",
        json={"expediente_id": str(acumulado), "motivo": MOTIVO},
        headers=escenario.headers(mesa, **extra),
    )


async def _desglosar(
    escenario: Escenario, principal: uuid.UUID, acumulado: uuid.UUID, mesa: uuid.UUID
) -> httpx.Response:
    return await escenario.cliente.post(
        f"/api/v1/expedientes/{principal}/acumulados/{acumulado}/desglose",
        json={"motivo": "Siguen caminos distintos"},
        headers=escenario.headers(mesa),
    )


async def _recibir(escenario: Escenario, pase_id: str, mesa: uuid.UUID) -> httpx.Response:
    return await escenario.cliente.post(
        f"/api/v1/pases/{pase_id}/recepcion", json={}, headers=escenario.headers(mesa)
    )


async def _par(escenario: Escenario) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID, uuid.UUID]:
    """Two desks, a principal and the file accumulated into it, both at the first desk."""
    origen, destino = await escenario.mesa(), await escenario.mesa()
    principal, acumulado = await escenario.expediente(origen), await escenario.expediente(origen)
    r = await _acumular(escenario, principal, acumulado, origen)
    assert r.status_code == 201, r.text
    return origen, destino, principal, acumulado


async def test_un_pase_del_principal_mueve_al_acumulado_y_el_remito_lista_los_dos(
    escenario: Escenario, escuchar
) -> None:
    escucha = await escuchar("sigexp.expediente.acumulado.v1", "sigexp.custodia.actualizada.v1")
    origen, destino, principal, acumulado = await _par(escenario)
    eventos = await escucha(
        lambda evs: (
            {(e["type"], e["subject"]) for e in evs}
            >= {
                ("sigexp.expediente.acumulado.v1", str(acumulado)),
                ("sigexp.custodia.actualizada.v1", str(acumulado)),
            }
        )
    )
    acumulado_ev = next(e for e in eventos if e["type"] == "sigexp.expediente.acumulado.v1")
    assert (acumulado_ev["data"]["principal_id"], acumulado_ev["sequence"]) == (str(principal), 2)
    vista = await escenario.cliente.get(
        f"/api/v1/expedientes/{principal}/acumulados", headers=escenario.headers(origen)
    )
    assert [i["acumulado_id"] for i in vista.json()["items"]] == [str(acumulado)]
    desde_el_acumulado = await escenario.cliente.get(
        f"/api/v1/expedientes/{acumulado}/acumulados", headers=escenario.headers(origen)
    )
    assert desde_el_acumulado.json()["principal"]["principal_id"] == str(principal)

    r = await escenario.enviar(origen, destino, [principal], fojas_agregadas=2)

    assert r.status_code == 201, r.text
    pases = {p["expediente_id"]: p for p in r.json()["pases"]}
    assert set(pases) == {str(principal), str(acumulado)}
    assert pases[str(acumulado)]["pase_principal_id"] == pases[str(principal)]["id"]
    assert pases[str(acumulado)]["fojas_agregadas"] == 0
    remito = r.json()["remito"]
    assert {p["remito_id"] for p in pases.values()} == {remito["id"]}
    verificado = await escenario.cliente.get(
        f"/api/v1/remitos/verificar/{remito['codigo_verificacion']}"
    )
    assert verificado.json()["cantidad"] == 2
    referencias = {(await escenario.tenencia(i)).referencia for i in (principal, acumulado)}
    assert {i["referencia"] for i in verificado.json()["items"]} == referencias
    for expediente in (principal, acumulado):
        tenencia = await escenario.tenencia(expediente)
        assert (tenencia.mesa_id, tenencia.en_transito) == (destino, True)
    en_mesa = await escenario.cliente.get(
        "/api/v1/mesa/en-mesa", headers=escenario.headers(destino)
    )
    llegando = {i["expediente"]["id"]: i["pase"] for i in en_mesa.json()["items"]}
    assert llegando[str(acumulado)]["pase_principal_id"] == pases[str(principal)]["id"]
    assert llegando[str(principal)]["pase_principal_id"] is None

    recibido = await _recibir(escenario, pases[str(principal)]["id"], destino)

    assert recibido.status_code == 200, recibido.text
    for expediente in (principal, acumulado):
        tenencia = await escenario.tenencia(expediente)
        assert (tenencia.mesa_id, tenencia.en_transito) == (destino, False)
    recorrido = await escenario.cliente.get(
        f"/api/v1/expedientes/{acumulado}/pases", headers=escenario.headers(destino)
    )
    (conjunto,) = recorrido.json()["items"]
    assert (conjunto["estado"], conjunto["pase_principal_id"]) == (
        "RECIBIDO",
        pases[str(principal)]["id"],
    )
    assert recorrido.json()["tenencia"]["acumulado_en_id"] == str(principal)


async def test_el_acumulado_no_se_envia_ni_se_recibe_solo_y_se_dice_por_que(
    escenario: Escenario,
) -> None:
    origen, destino, principal, acumulado = await _par(escenario)
    referencia = (await escenario.tenencia(principal)).referencia

    solo = await escenario.enviar(origen, destino, [acumulado])

    assert solo.status_code == 409, solo.text
    (rechazo,) = solo.json()["rechazados"]
    assert rechazo["expediente_id"] == str(acumulado)
    assert rechazo["motivo"] == (
        f"está acumulado al expediente {referencia}: viaja con él y no puede enviarse solo"
    )
    assert (await escenario.tenencia(acumulado)).en_transito is False
    juntos = await escenario.enviar(origen, destino, [principal, acumulado])  # both named: fine
    assert juntos.status_code == 201, juntos.text
    assert len(juntos.json()["pases"]) == 2
    del_acumulado = next(p for p in juntos.json()["pases"] if p["expediente_id"] == str(acumulado))
    aparte = await _recibir(escenario, del_acumulado["id"], destino)
    assert aparte.status_code == 409
    assert "con el pase del principal" in aparte.json()["detail"]


async def test_el_desglose_en_la_mesa_del_principal_devuelve_el_movimiento_independiente(
    escenario: Escenario, escuchar
) -> None:
    escucha = await escuchar("sigexp.expediente.desglosado.v1")
    origen, destino, principal, acumulado = await _par(escenario)
    otra = await escenario.mesa()
    ajeno = await _desglosar(escenario, principal, acumulado, otra)
    assert ajeno.status_code == 409

    r = await _desglosar(escenario, principal, acumulado, origen)

    assert r.status_code == 200, r.text
    assert r.json()["motivo_desglose"] == "Siguen caminos distintos"
    (desglosado,) = await escucha(lambda evs: any(e["subject"] == str(acumulado) for e in evs))
    assert (desglosado["data"]["principal_id"], desglosado["sequence"]) == (str(principal), 3)
    assert (await escenario.tenencia(acumulado)).acumulado_en_id is None
    del_principal = await escenario.enviar(origen, destino, [principal])
    assert [p["expediente_id"] for p in del_principal.json()["pases"]] == [str(principal)]
    solo = await escenario.enviar(origen, otra, [acumulado])
    assert solo.status_code == 201, solo.text
    assert (await _desglosar(escenario, principal, acumulado, origen)).status_code == 404


async def test_rechazo_y_reversion_del_pase_del_principal_alcanzan_al_acumulado(
    escenario: Escenario,
) -> None:
    origen, destino, principal, acumulado = await _par(escenario)
    envio = (await escenario.enviar(origen, destino, [principal])).json()
    del_principal = next(p for p in envio["pases"] if p["expediente_id"] == str(principal))

    rechazo = await escenario.cliente.post(
        f"/api/v1/pases/{del_principal['id']}/rechazo",
        json={"motivo": "No corresponde a esta mesa"},
        headers=escenario.headers(destino),
    )

    assert rechazo.status_code == 200, rechazo.text
    for expediente in (principal, acumulado):
        tenencia = await escenario.tenencia(expediente)
        assert (tenencia.mesa_id, tenencia.en_transito) == (origen, False)
    otra_vez = (await escenario.enviar(origen, destino, [principal])).json()
    pase_id = next(p for p in otra_vez["pases"] if p["expediente_id"] == str(principal))["id"]
    solicitud = await escenario.cliente.post(
        f"/api/v1/pases/{pase_id}/solicitudes-reversion",
        json={"motivo": "Enviado por error"},
        headers=escenario.headers(origen),
    )
    assert solicitud.status_code == 201, solicitud.text
    aprobada = await escenario.cliente.post(
        f"/api/v1/solicitudes-reversion/{solicitud.json()['id']}/aprobar",
        json={},
        headers=escenario.headers(None, "ADMIN"),
    )
    assert aprobada.status_code == 200, aprobada.text
    recorrido = await escenario.cliente.get(
        f"/api/v1/expedientes/{acumulado}/pases", headers=escenario.headers(origen)
    )
    assert [p["estado"] for p in recorrido.json()["items"]] == ["RECHAZADO", "REVERTIDO"]
    tenencia = await escenario.tenencia(acumulado)
    assert (tenencia.mesa_id, tenencia.en_transito, tenencia.acumulado_en_id) == (
        origen,
        False,
        principal,
    )


async def test_reglas_de_la_acumulacion(escenario: Escenario) -> None:
    origen, destino, principal, acumulado = await _par(escenario)
    otro = await escenario.expediente(origen)
    tercero = await escenario.expediente(origen)
    ajeno = await escenario.expediente(destino)
    reservado_ajeno = await escenario.expediente(destino, caracter="RESERVADO")

    consigo = await _acumular(escenario, otro, otro, origen)
    assert consigo.status_code == 422
    de_otra_mesa = await _acumular(escenario, otro, ajeno, origen)
    assert de_otra_mesa.status_code == 409
    assert "no está en poder de su mesa" in de_otra_mesa.json()["detail"]
    reservado = await _acumular(escenario, otro, reservado_ajeno, origen)
    assert (reservado.status_code, reservado.json()["detail"]) == (404, "El expediente no existe.")
    ya_acumulado = await _acumular(escenario, otro, acumulado, origen)
    assert ya_acumulado.status_code == 409
    en_un_acumulado = await _acumular(escenario, acumulado, otro, origen)
    assert "acumule en ese" in en_un_acumulado.json()["detail"]
    un_principal = await _acumular(escenario, tercero, principal, origen)
    assert "tiene expedientes acumulados" in un_principal.json()["detail"]
    consulta = await _acumular(escenario, otro, tercero, origen, perfil="CONSULTA")
    assert consulta.status_code == 403
    assert (await _acumular(escenario, principal, otro, origen)).status_code == 201
    vista = await escenario.cliente.get(
        f"/api/v1/expedientes/{principal}/acumulados", headers=escenario.headers(destino)
    )
    assert vista.status_code == 403  # out of the desk's scope


async def test_acumular_y_enviar_solo_a_la_vez_deja_una_sola_verdad(escenario: Escenario) -> None:
    for _ in range(4):
        origen, destino = await escenario.mesa(), await escenario.mesa()
        principal, acumulado = (
            await escenario.expediente(origen),
            await escenario.expediente(origen),
        )
        acumulacion, envio = await asyncio.gather(
            _acumular(escenario, principal, acumulado, origen),
            escenario.enviar(origen, destino, [acumulado]),
        )
        assert sorted([acumulacion.status_code, envio.status_code]) == [201, 409]
        tenencia = await escenario.tenencia(acumulado)
        if acumulacion.status_code == 201:
            assert (tenencia.acumulado_en_id, tenencia.en_transito) == (principal, False)
        else:
            assert (tenencia.acumulado_en_id, tenencia.en_transito) == (None, True)


async def test_enviar_el_principal_y_desglosar_a_la_vez_deja_una_sola_verdad(
    escenario: Escenario,
) -> None:
    for _ in range(4):
        origen, destino, principal, acumulado = await _par(escenario)
        envio, desglose = await asyncio.gather(
            escenario.enviar(origen, destino, [principal]),
            _desglosar(escenario, principal, acumulado, origen),
        )
        assert envio.status_code == 201, envio.text
        tenencia = await escenario.tenencia(acumulado)
        if desglose.status_code == 200:
            assert len(envio.json()["pases"]) == 1
            assert (tenencia.acumulado_en_id, tenencia.en_transito) == (None, False)
        else:
            assert desglose.status_code == 409, desglose.text
            assert len(envio.json()["pases"]) == 2
            assert (tenencia.acumulado_en_id, tenencia.en_transito) == (principal, True)
