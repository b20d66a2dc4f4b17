"""The expediente's share of the gateway's composed detail (`GET /expedientes/{id}/detalle`):
what the detail, the notes and the timeline routes answer, read at once under the same scope
rule and recorded once; and several expedientes by id (`/expedientes/resumenes`)."""

from __future__ import annotations

import uuid

import httpx


async def test_el_detalle_trae_lo_mismo_que_sus_tres_rutas_y_deja_un_solo_registro(
    cliente: httpx.AsyncClient, mesa, acciones, escucha
) -> None:
    alta = await acciones.alta(mesa)
    ruta = f"/api/v1/expedientes/{alta['id']}"
    notas = [
        await cliente.post(ruta + "/anotaciones", json={"texto": t}, headers=mesa.headers())
        for t in ("Primera nota", "Segunda nota")
    ]
    assert [n.status_code for n in notas] == [201, 201]
    borrada = await cliente.delete(
        f"{ruta}/anotaciones/{notas[0].json()['id']}", headers=mesa.headers()
    )
    assert borrada.status_code == 204
    async with escucha("sigexp.acceso.registrado.v1") as recoger:
        detalle = await cliente.get(ruta + "/detalle", headers=mesa.headers())
        (registro,) = await recoger(
            1, lambda e: e["data"]["expediente_id"] == alta["id"] and e["data"]["accion"]
        )
    assert detalle.status_code == 200, detalle.text
    expediente = await cliente.get(ruta, headers=mesa.headers())
    anotaciones = await cliente.get(ruta + "/anotaciones", headers=mesa.headers())
    historial = await cliente.get(ruta + "/historial", headers=mesa.headers())
    assert detalle.json() == {
        "expediente": expediente.json(),
        "anotaciones": anotaciones.json()["items"],
        "historial": historial.json()["items"],
    }
    textos = [a["texto"] for a in detalle.json()["anotaciones"]]
    assert textos == [None, "Segunda nota"]  # the deleted one keeps its place, without text
    assert registro["data"]["accion"] == "expediente.ver"
    assert registro["data"]["detalle"]["partes"] == ["expediente", "anotaciones", "historial"]


async def test_el_detalle_de_otro_organismo_no_trae_sus_notas_y_fuera_de_alcance_es_403(
    cliente: httpx.AsyncClient, mesa, otra_mesa, acciones, tokens
) -> None:
    alta = await acciones.alta(mesa)
    ruta = f"/api/v1/expedientes/{alta['id']}"
    nota = await cliente.post(
        ruta + "/anotaciones", json={"texto": "Interna"}, headers=mesa.headers()
    )
    assert nota.status_code == 201
    autoridad_ajena = await cliente.get(ruta + "/detalle", headers=otra_mesa.headers("AUTORIDAD"))
    assert autoridad_ajena.status_code == 200
    assert autoridad_ajena.json()["anotaciones"] == []
    ajena = await cliente.get(ruta + "/detalle", headers=otra_mesa.headers())
    assert ajena.status_code == 403
    desconocido = await cliente.get(
        f"/api/v1/expedientes/{uuid.uuid4()}/detalle", headers=mesa.headers()
    )
    assert desconocido.status_code == 404


async def test_los_resumenes_por_id_traen_solo_los_que_el_usuario_puede_ver(
    cliente: httpx.AsyncClient, mesa, otra_mesa, acciones
) -> None:
    propio, ajeno = await acciones.alta(mesa), await acciones.alta(otra_mesa)
    ids = [propio["id"], ajeno["id"], str(uuid.uuid4())]
    r = await cliente.get(
        "/api/v1/expedientes/resumenes", params=[("id", i) for i in ids], headers=mesa.headers()
    )
    assert r.status_code == 200, r.text
    assert [e["id"] for e in r.json()["items"]] == [propio["id"]]
    assert r.json()["items"][0]["referencia"] == propio["referencia"]
