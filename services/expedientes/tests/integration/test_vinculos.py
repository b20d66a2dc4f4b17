"""Links between expedientes: the holding desk links one to another it may see; the link shows
on both details and timelines; a RESERVADO file out of a viewer's scope never shows (not in the
detail, the list of links nor the timeline); unlinking is recorded."""

from __future__ import annotations

import httpx

VINCULADO = "sigexp.expediente.vinculado.v1"


async def _vincular(cliente: httpx.AsyncClient, a: str, b: str, mesa) -> httpx.Response:
    return await cliente.post(
        f"/api/v1/expedientes/{a}/vinculos",
        json={"expediente_id": b, "motivo": "Tratan la misma obra"},
        headers=mesa.headers(),
    )


async def _detalle(cliente: httpx.AsyncClient, ident: str, headers: dict) -> dict:
    r = await cliente.get(f"/api/v1/expedientes/{ident}", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def _acciones_del_historial(cliente: httpx.AsyncClient, ident: str, headers: dict) -> list:
    r = await cliente.get(f"/api/v1/expedientes/{ident}/historial", headers=headers)
    assert r.status_code == 200, r.text
    return [e["accion"] for e in r.json()["items"]]


async def test_un_vinculo_se_ve_en_los_dos_detalles_y_en_los_dos_historiales(
    cliente: httpx.AsyncClient, mesa, acciones, escucha
) -> None:
    a, b = await acciones.alta(mesa), await acciones.alta(mesa, extracto="Obra vial, segunda etapa")
    async with escucha(VINCULADO) as recoger:
        r = await _vincular(cliente, a["id"], b["id"], mesa)
        (evento,) = await recoger(1, lambda e: e["subject"] == a["id"])
    assert r.status_code == 201, r.text
    vinculo = r.json()
    assert vinculo["expediente"]["referencia"] == b["referencia"]
    assert evento["data"]["vinculado_id"] == b["id"]
    assert evento["data"]["motivo"] == "Tratan la misma obra"

    de_a = await _detalle(cliente, a["id"], mesa.headers())
    de_b = await _detalle(cliente, b["id"], mesa.headers())
    assert [(v["id"], v["expediente"]["id"]) for v in de_a["vinculos"]] == [
        (vinculo["id"], b["id"])
    ]
    assert [(v["id"], v["expediente"]["id"]) for v in de_b["vinculos"]] == [
        (vinculo["id"], a["id"])
    ]
    assert de_b["vinculos"][0]["expediente"]["extracto"] == a["extracto"]
    assert (de_a["acumulados"], de_a["acumulado_en"]) == ([], None)
    listado = await cliente.get(f"/api/v1/expedientes/{b['id']}/vinculos", headers=mesa.headers())
    assert [v["expediente"]["referencia"] for v in listado.json()["items"]] == [a["referencia"]]
    for ident in (a["id"], b["id"]):
        assert "expediente.vinculado" in await _acciones_del_historial(
            cliente, ident, mesa.headers()
        )

    repetido = await _vincular(cliente, b["id"], a["id"], mesa)
    assert repetido.status_code == 409
    consigo = await _vincular(cliente, a["id"], a["id"], mesa)
    assert consigo.status_code == 422


async def test_un_vinculo_nunca_revela_un_reservado_fuera_del_alcance(
    cliente: httpx.AsyncClient, mesa, otra_mesa, acciones
) -> None:
    publico = await acciones.alta(mesa)
    reservado = await acciones.alta(mesa, caracter="RESERVADO", extracto="Sumario reservado")
    assert (await _vincular(cliente, publico["id"], reservado["id"], mesa)).status_code == 201
    await acciones.pasar(publico["id"], mesa, otra_mesa)  # only the PUBLICO one goes on

    ajeno = otra_mesa.headers()
    visto = await _detalle(cliente, publico["id"], ajeno)
    assert visto["vinculos"] == []
    listado = await cliente.get(f"/api/v1/expedientes/{publico['id']}/vinculos", headers=ajeno)
    assert listado.json()["items"] == []
    historial = await cliente.get(f"/api/v1/expedientes/{publico['id']}/historial", headers=ajeno)
    assert reservado["id"] not in historial.text
    assert reservado["referencia"] not in historial.text
    assert "expediente.vinculado" not in [e["accion"] for e in historial.json()["items"]]
    # The composed detail's share (the gateway's one read) filters its timeline the same way.
    compuesto = await cliente.get(f"/api/v1/expedientes/{publico['id']}/detalle", headers=ajeno)
    assert compuesto.status_code == 200, compuesto.text
    assert reservado["id"] not in compuesto.text
    assert reservado["referencia"] not in compuesto.text
    assert "expediente.vinculado" not in [e["accion"] for e in compuesto.json()["historial"]]
    # Those who may see it still do.
    for headers in (mesa.headers(), mesa.headers("AUTORIDAD")):
        vinculos = (await _detalle(cliente, publico["id"], headers))["vinculos"]
        assert [v["expediente"]["id"] for v in vinculos] == [reservado["id"]]
        propio = await cliente.get(f"/api/v1/expedientes/{publico['id']}/detalle", headers=headers)
        assert "expediente.vinculado" in [e["accion"] for e in propio.json()["historial"]]


async def test_vincular_con_un_reservado_ajeno_responde_como_si_no_existiera(
    cliente: httpx.AsyncClient, mesa, otra_mesa, acciones
) -> None:
    propio = await acciones.alta(mesa)
    ajeno = await acciones.alta(otra_mesa, caracter="RESERVADO")
    r = await _vincular(cliente, propio["id"], ajeno["id"], mesa)
    assert (r.status_code, r.json()["detail"]) == (404, "El expediente no existe.")
    publico_ajeno = await acciones.alta(otra_mesa)  # a PUBLICO one out of scope: 403
    assert (await _vincular(cliente, propio["id"], publico_ajeno["id"], mesa)).status_code == 403
    no_lo_tiene = await _vincular(cliente, ajeno["id"], propio["id"], mesa)
    assert no_lo_tiene.status_code == 404


async def test_desvincular_queda_registrado_en_los_dos_y_se_puede_volver_a_vincular(
    cliente: httpx.AsyncClient, mesa, acciones
) -> None:
    a, b = await acciones.alta(mesa), await acciones.alta(mesa)
    vinculo = (await _vincular(cliente, a["id"], b["id"], mesa)).json()
    url = f"/api/v1/expedientes/{b['id']}/vinculos/{vinculo['id']}"

    r = await cliente.delete(url, params={"motivo": "No eran conexos"}, headers=mesa.headers())
    assert r.status_code == 204, r.text
    assert (await _detalle(cliente, a["id"], mesa.headers()))["vinculos"] == []
    for ident in (a["id"], b["id"]):
        acciones_ = await _acciones_del_historial(cliente, ident, mesa.headers())
        assert acciones_[-2:] == ["expediente.vinculado", "expediente.desvinculado"]
    otra_vez = await cliente.delete(url, headers=mesa.headers())
    assert otra_vez.status_code == 409
    assert (await _vincular(cliente, a["id"], b["id"], mesa)).status_code == 201
