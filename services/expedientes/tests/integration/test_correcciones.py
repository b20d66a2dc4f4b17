"""Corrections of the fojas/tomos count: the holding desk asks with the counted value, a reason
and optionally a memo (an archivo of the file); ADMIN approves (the count changes, downwards
too, in the historial with old and new values, and the bus hears `actualizado`) or rejects
(nothing changes). A plain edit still never lowers fojas."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx

ACTUALIZADO = "sigexp.expediente.actualizado.v1"


async def _pedir(cliente: httpx.AsyncClient, expediente_id: str, mesa, **cuerpo: object):
    datos = {"motivo": "Se contaron las fojas en papel", **cuerpo}
    return await cliente.post(
        f"/api/v1/expedientes/{expediente_id}/correcciones", json=datos, headers=mesa.headers()
    )


async def _historial(cliente: httpx.AsyncClient, expediente_id: str, mesa) -> list[dict]:
    r = await cliente.get(f"/api/v1/expedientes/{expediente_id}/historial", headers=mesa.headers())
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def test_correccion_aprobada_baja_las_fojas_y_queda_en_el_historial_con_el_memo(
    cliente: httpx.AsyncClient, mesa, acciones, eventos, escucha
) -> None:
    alta = await acciones.alta(mesa, fojas=18)
    memo = uuid.uuid4()
    adjuntado = await eventos.publicar(
        "sigexp.archivo.adjuntado.v1",
        {
            "archivo_id": str(memo),
            "expediente_id": alta["id"],
            "version": 1,
            "nombre": "memo.pdf",
            "por_usuario": "carga",
            "en": datetime.now(UTC).isoformat(),
        },
        alta["id"],
        1,
    )
    await eventos.consumidos(adjuntado)

    pedida = await _pedir(cliente, alta["id"], mesa, fojas=16, archivo_id=str(memo))
    assert pedida.status_code == 201, pedida.text
    correccion = pedida.json()
    assert (correccion["estado"], correccion["fojas_anterior"], correccion["fojas"]) == (
        "PENDIENTE",
        18,
        16,
    )
    admin = mesa.headers("ADMIN")
    pendientes = await cliente.get(
        "/api/v1/correcciones", params={"estado": "PENDIENTE", "limit": 200}, headers=admin
    )
    assert correccion["id"] in [c["id"] for c in pendientes.json()["items"]]

    async with escucha(ACTUALIZADO) as recoger:
        aprobada = await cliente.post(
            f"/api/v1/correcciones/{correccion['id']}/aprobar",
            json={"motivo": "Conforme"},
            headers=admin,
        )
        (evento,) = await recoger(1, lambda e: e["subject"] == alta["id"])
    assert (aprobada.status_code, aprobada.json()["estado"]) == (200, "APROBADA")
    assert evento["data"]["fojas"] == 16
    assert evento["data"]["cambios"] == [{"campo": "fojas", "antes": 18, "despues": 16}]
    assert evento["sequence"] == 2

    visto = await cliente.get(f"/api/v1/expedientes/{alta['id']}", headers=mesa.headers())
    assert (visto.json()["fojas"], visto.json()["version"]) == (16, 2)
    entradas = await _historial(cliente, alta["id"], mesa)
    aprobacion = next(e for e in entradas if e["accion"] == "correccion.aprobada")
    assert aprobacion["detalle"]["fojas"] == {"antes": 18, "despues": 16}
    assert aprobacion["detalle"]["archivo_id"] == str(memo)
    assert aprobacion["detalle"]["motivo"] == "Se contaron las fojas en papel"
    assert "correccion.solicitada" in [e["accion"] for e in entradas]
    otra_vez = await cliente.post(
        f"/api/v1/correcciones/{correccion['id']}/aprobar", json={}, headers=admin
    )
    assert otra_vez.status_code == 409
    assert otra_vez.json()["detail"] == "La corrección ya fue aprobada."


async def test_correccion_rechazada_no_cambia_nada(
    cliente: httpx.AsyncClient, mesa, acciones
) -> None:
    alta = await acciones.alta(mesa, fojas=18, tomos=2)
    correccion = (await _pedir(cliente, alta["id"], mesa, fojas=16, tomos=1)).json()
    admin = mesa.headers("ADMIN")
    url = f"/api/v1/correcciones/{correccion['id']}/rechazar"

    sin_motivo = await cliente.post(url, json={}, headers=admin)
    assert sin_motivo.status_code == 422
    assert sin_motivo.json()["errors"][0]["campo"] == "motivo"
    rechazada = await cliente.post(url, json={"motivo": "Recuente las fojas"}, headers=admin)

    assert (rechazada.status_code, rechazada.json()["estado"]) == (200, "RECHAZADA")
    visto = (await cliente.get(f"/api/v1/expedientes/{alta['id']}", headers=mesa.headers())).json()
    assert (visto["fojas"], visto["tomos"], visto["version"]) == (18, 2, 1)
    entradas = await _historial(cliente, alta["id"], mesa)
    rechazo = next(e for e in entradas if e["accion"] == "correccion.rechazada")
    assert rechazo["detalle"]["motivo_decision"] == "Recuente las fojas"
    nueva = await _pedir(cliente, alta["id"], mesa, fojas=17)  # may ask again
    assert nueva.status_code == 201


async def test_una_edicion_sigue_sin_bajar_las_fojas(
    cliente: httpx.AsyncClient, mesa, acciones
) -> None:
    alta = await acciones.alta(mesa, fojas=18)
    r = await acciones.editar(alta["id"], mesa, fojas=16)
    assert r.status_code == 422
    assert r.json()["errors"][0]["campo"] == "fojas"


async def test_solo_la_mesa_que_lo_tiene_pide_una_correccion_y_solo_admin_la_decide(
    cliente: httpx.AsyncClient, mesa, otra_mesa, acciones
) -> None:
    alta = await acciones.alta(mesa, fojas=18)
    ajena = await _pedir(cliente, alta["id"], otra_mesa, fojas=16)
    assert ajena.status_code == 403
    consulta = await cliente.post(
        f"/api/v1/expedientes/{alta['id']}/correcciones",
        json={"fojas": 16, "motivo": "Se contaron"},
        headers=mesa.headers("CONSULTA"),
    )
    assert consulta.status_code == 403
    nada = await _pedir(cliente, alta["id"], mesa)
    assert nada.status_code == 422
    igual = await _pedir(cliente, alta["id"], mesa, fojas=18)
    assert igual.status_code == 422
    assert igual.json()["detail"].startswith("Los valores contados coinciden")
    memo_ajeno = await _pedir(cliente, alta["id"], mesa, fojas=16, archivo_id=str(uuid.uuid4()))
    assert memo_ajeno.status_code == 422
    assert memo_ajeno.json()["errors"][0]["campo"] == "archivo_id"

    primera = await _pedir(cliente, alta["id"], mesa, fojas=16)
    assert primera.status_code == 201
    segunda = await _pedir(cliente, alta["id"], mesa, fojas=15)
    assert segunda.status_code == 409
    no_admin = await cliente.post(
        f"/api/v1/correcciones/{primera.json()['id']}/aprobar", json={}, headers=mesa.headers()
    )
    assert no_admin.status_code == 403
    listado = await cliente.get("/api/v1/correcciones", headers=mesa.headers())
    assert listado.status_code == 403
    del_expediente = await cliente.get(
        f"/api/v1/expedientes/{alta['id']}/correcciones", headers=mesa.headers()
    )
    assert [c["id"] for c in del_expediente.json()["items"]] == [primera.json()["id"]]


async def test_un_reintento_con_la_misma_clave_de_idempotencia_no_pide_dos_correcciones(
    cliente: httpx.AsyncClient, mesa, acciones
) -> None:
    alta = await acciones.alta(mesa, fojas=18)
    headers = {**mesa.headers(), "Idempotency-Key": f"correccion-{alta['id']}"}
    url = f"/api/v1/expedientes/{alta['id']}/correcciones"
    cuerpo = {"fojas": 16, "motivo": "Se contaron las fojas en papel"}

    primera = await cliente.post(url, json=cuerpo, headers=headers)
    segunda = await cliente.post(url, json=cuerpo, headers=headers)

    assert (primera.status_code, segunda.status_code) == (201, 201)
    assert primera.json() == segunda.json()
    del_expediente = await cliente.get(url, headers=mesa.headers())
    assert len(del_expediente.json()["items"]) == 1
