"""What expedientes hears of pases' accumulations: the detail of both files shows them
(`acumulados`, `acumulado_en`), both timelines have the entry once, a desglose ends it even
when heard first, and a RESERVADO file out of the viewer's scope is never shown."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx

ACUMULADO, DESGLOSADO = "sigexp.expediente.acumulado.v1", "sigexp.expediente.desglosado.v1"


def _datos(acumulacion: uuid.UUID, principal: dict, acumulado: dict, motivo: str) -> dict:
    return {
        "acumulacion_id": str(acumulacion),
        "expediente_id": acumulado["id"],
        "referencia": acumulado["referencia"],
        "principal_id": principal["id"],
        "principal_referencia": principal["referencia"],
        "motivo": motivo,
        "por_usuario_id": str(uuid.uuid4()),
        "por_usuario": "mesa.cap",
        "por_mesa_id": str(uuid.uuid4()),
        "en": datetime.now(UTC).isoformat(),
    }


async def _detalle(cliente: httpx.AsyncClient, ident: str, headers: dict) -> dict:
    r = await cliente.get(f"/api/v1/expedientes/{ident}", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def _acciones(cliente: httpx.AsyncClient, ident: str, headers: dict) -> list[str]:
    r = await cliente.get(f"/api/v1/expedientes/{ident}/historial", headers=headers)
    return [e["accion"] for e in r.json()["items"]]


async def test_la_acumulacion_se_ve_en_los_dos_detalles_y_en_los_dos_historiales_una_vez(
    cliente: httpx.AsyncClient, mesa, acciones, eventos
) -> None:
    principal, acumulado = await acciones.alta(mesa), await acciones.alta(mesa)
    acumulacion = uuid.uuid4()
    datos = _datos(acumulacion, principal, acumulado, "Misma contratación")
    evento = await eventos.publicar(ACUMULADO, datos, acumulado["id"], 2)
    await eventos.repetir(evento)
    otra_vez = await eventos.publicar(ACUMULADO, datos, acumulado["id"], 2)  # republished
    await eventos.consumidos(evento, otra_vez)

    del_principal = await _detalle(cliente, principal["id"], mesa.headers())
    del_acumulado = await _detalle(cliente, acumulado["id"], mesa.headers())
    (item,) = del_principal["acumulados"]
    assert (item["id"], item["acumulado_id"], item["motivo"]) == (
        str(acumulacion),
        acumulado["id"],
        "Misma contratación",
    )
    assert item["expediente"]["referencia"] == acumulado["referencia"]
    assert del_acumulado["acumulado_en"] == {
        "id": principal["id"],
        "referencia": principal["referencia"],
    }
    for ident in (principal["id"], acumulado["id"]):
        assert (await _acciones(cliente, ident, mesa.headers())).count("expediente.acumulado") == 1

    desglose = await eventos.publicar(
        DESGLOSADO, _datos(acumulacion, principal, acumulado, "Separados"), acumulado["id"], 3
    )
    await eventos.consumidos(desglose)
    assert (await _detalle(cliente, principal["id"], mesa.headers()))["acumulados"] == []
    assert (await _detalle(cliente, acumulado["id"], mesa.headers()))["acumulado_en"] is None
    assert (await _acciones(cliente, principal["id"], mesa.headers()))[
        -1
    ] == "expediente.desglosado"


async def test_un_desglose_oido_antes_que_su_acumulacion_igual_la_termina(
    cliente: httpx.AsyncClient, mesa, acciones, eventos
) -> None:
    principal, acumulado = await acciones.alta(mesa), await acciones.alta(mesa)
    acumulacion = uuid.uuid4()
    desglose = await eventos.publicar(
        DESGLOSADO, _datos(acumulacion, principal, acumulado, "Separados"), acumulado["id"], 3
    )
    await eventos.consumidos(desglose)
    tarde = await eventos.publicar(
        ACUMULADO, _datos(acumulacion, principal, acumulado, "Junto"), acumulado["id"], 2
    )
    await eventos.consumidos(tarde)

    assert (await _detalle(cliente, principal["id"], mesa.headers()))["acumulados"] == []
    assert (await _detalle(cliente, acumulado["id"], mesa.headers()))["acumulado_en"] is None


async def test_un_principal_reservado_fuera_del_alcance_no_se_muestra(
    cliente: httpx.AsyncClient, mesa, otra_mesa, acciones, eventos
) -> None:
    principal = await acciones.alta(mesa, caracter="RESERVADO", extracto="Sumario reservado")
    acumulado = await acciones.alta(mesa)
    evento = await eventos.publicar(
        ACUMULADO, _datos(uuid.uuid4(), principal, acumulado, "Junto"), acumulado["id"], 2
    )
    await eventos.consumidos(evento)
    await acciones.pasar(acumulado["id"], mesa, otra_mesa)  # it reached another desk alone before

    visto = await _detalle(cliente, acumulado["id"], otra_mesa.headers())
    assert visto["acumulado_en"] is None
    historial = await cliente.get(
        f"/api/v1/expedientes/{acumulado['id']}/historial", headers=otra_mesa.headers()
    )
    assert principal["id"] not in historial.text
    assert principal["referencia"] not in historial.text
    propio = await _detalle(cliente, acumulado["id"], mesa.headers())
    assert propio["acumulado_en"]["id"] == principal["id"]
