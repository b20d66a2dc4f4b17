"""Deletion requests: the holding desk asks with a reason, ADMIN approves (ANULADO, still
visible, nothing edited afterwards) or rejects with a reason. No route deletes an expediente."""

from __future__ import annotations

import httpx

ANULADO = "sigexp.expediente.anulado.v1"


async def _pedir(
    cliente: httpx.AsyncClient, expediente_id: str, mesa, motivo: str = "Alta duplicada por error"
) -> httpx.Response:
    return await cliente.post(
        f"/api/v1/expedientes/{expediente_id}/solicitudes-baja",
        json={"motivo": motivo},
        headers=mesa.headers(),
    )


async def test_baja_aprobada_lo_anula_sigue_visible_y_ya_no_se_edita(
    cliente: httpx.AsyncClient, mesa, acciones, escucha
) -> None:
    alta = await acciones.alta(mesa, extracto="Expediente iniciado dos veces")
    pedida = await _pedir(cliente, alta["id"], mesa)
    assert pedida.status_code == 201, pedida.text
    solicitud = pedida.json()
    assert (solicitud["estado"], solicitud["referencia"]) == ("PENDIENTE", alta["referencia"])
    admin = mesa.headers("ADMIN")
    pendientes = await cliente.get(
        "/api/v1/solicitudes-baja", params={"estado": "PENDIENTE", "limit": 200}, headers=admin
    )
    assert solicitud["id"] in [s["id"] for s in pendientes.json()["items"]]

    async with escucha(ANULADO) as recoger:
        aprobada = await cliente.post(
            f"/api/v1/solicitudes-baja/{solicitud['id']}/aprobar", json={}, headers=admin
        )
        (anulado,) = await recoger(1, lambda e: e["subject"] == alta["id"])
    assert (aprobada.status_code, aprobada.json()["estado"]) == (200, "APROBADA")
    assert anulado["sequence"] == 2
    assert anulado["data"]["solicitud_id"] == solicitud["id"]
    assert anulado["data"]["motivo"] == "Alta duplicada por error"

    visto = await cliente.get(f"/api/v1/expedientes/{alta['id']}", headers=mesa.headers())
    assert (visto.status_code, visto.json()["estado"]) == (200, "ANULADO")
    listado = await cliente.get(
        "/api/v1/expedientes", params={"estado": "ANULADO"}, headers=mesa.headers()
    )
    assert [e["id"] for e in listado.json()["items"]] == [alta["id"]]
    editar = await acciones.editar(alta["id"], mesa, extracto="Corrección tardía")
    assert editar.status_code == 409
    assert editar.json()["detail"] == "El expediente está anulado: nadie puede modificarlo."
    otra = await _pedir(cliente, alta["id"], mesa)
    assert otra.status_code == 409
    otra_vez = await cliente.post(
        f"/api/v1/solicitudes-baja/{solicitud['id']}/aprobar", json={}, headers=admin
    )
    assert otra_vez.status_code == 409
    borrar = await cliente.delete(f"/api/v1/expedientes/{alta['id']}", headers=admin)
    assert borrar.status_code == 405  # no route deletes an expediente

    historial = await cliente.get(
        f"/api/v1/expedientes/{alta['id']}/historial", headers=mesa.headers()
    )
    assert [e["accion"] for e in historial.json()["items"]] == [
        "expediente.iniciado",
        "baja.solicitada",
        "baja.aprobada",
    ]


async def test_rechazar_exige_motivo_y_deja_pedir_de_nuevo(
    cliente: httpx.AsyncClient, mesa, acciones
) -> None:
    alta = await acciones.alta(mesa)
    solicitud = (await _pedir(cliente, alta["id"], mesa)).json()
    duplicada = await _pedir(cliente, alta["id"], mesa)
    admin = mesa.headers("ADMIN")
    url = f"/api/v1/solicitudes-baja/{solicitud['id']}/rechazar"
    sin_motivo = await cliente.post(url, json={}, headers=admin)
    rechazada = await cliente.post(url, json={"motivo": "No es un duplicado"}, headers=admin)

    assert duplicada.status_code == 409
    assert (sin_motivo.status_code, sin_motivo.json()["errors"][0]["campo"]) == (422, "motivo")
    assert rechazada.status_code == 200
    assert (rechazada.json()["estado"], rechazada.json()["motivo_decision"]) == (
        "RECHAZADA",
        "No es un duplicado",
    )
    visto = await cliente.get(f"/api/v1/expedientes/{alta['id']}", headers=mesa.headers())
    assert visto.json()["estado"] == "EN_TRAMITE"
    assert (await _pedir(cliente, alta["id"], mesa, "Ahora sí duplicado")).status_code == 201
    rechazadas = await cliente.get(
        "/api/v1/solicitudes-baja", params={"estado": "RECHAZADA", "limit": 200}, headers=admin
    )
    assert solicitud["id"] in [s["id"] for s in rechazadas.json()["items"]]


async def test_solo_admin_decide_y_solo_quien_lo_tiene_pide(
    cliente: httpx.AsyncClient, mesa, otra_mesa, acciones
) -> None:
    alta = await acciones.alta(mesa)
    await acciones.pasar(alta["id"], mesa, otra_mesa, permiso="LECTURA")
    ya_no_la_tiene = await _pedir(cliente, alta["id"], mesa)
    con_lectura = await _pedir(cliente, alta["id"], otra_mesa)
    listar = await cliente.get("/api/v1/solicitudes-baja", headers=mesa.headers("AUTORIDAD"))
    assert ya_no_la_tiene.status_code == 409
    assert con_lectura.status_code == 409
    assert "LECTURA" in con_lectura.json()["detail"]
    assert listar.status_code == 403


async def test_el_listado_de_solicitudes_se_pagina_por_cursor(
    cliente: httpx.AsyncClient, mesa, acciones
) -> None:
    ids = []
    for _ in range(3):
        alta = await acciones.alta(mesa)
        ids.append((await _pedir(cliente, alta["id"], mesa)).json()["id"])
    admin = mesa.headers("ADMIN")
    vistos: list[str] = []
    params: dict[str, object] = {"estado": "PENDIENTE", "limit": 2}
    while True:
        pagina = (
            await cliente.get("/api/v1/solicitudes-baja", params=params, headers=admin)
        ).json()
        vistos += [s["id"] for s in pagina["items"]]
        if pagina["next_cursor"] is None:
            break
        params["cursor"] = pagina["next_cursor"]
    assert [i for i in vistos if i in ids] == ids  # oldest first, each once
    assert len(vistos) == len(set(vistos))
