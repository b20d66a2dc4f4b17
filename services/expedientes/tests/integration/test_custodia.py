"""Custody is pases': expedientes keeps a copy from `sigexp.custodia.actualizada.v1`, applying
only newer versions; the alta seeds it so the clerk sees the new file at once. The API's
estado combines custody (in transit) with the lifecycle, and scope is the desks reached."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx

CUSTODIA = "sigexp.custodia.actualizada.v1"
DATOS = {"extracto": "Convenio de obra pública", "tomos": 1, "fojas": 4}


def _custodia(
    expediente_id: str,
    mesa_id: uuid.UUID,
    mesas: list[uuid.UUID],
    en_transito: bool = False,
    origen: uuid.UUID | None = None,
) -> dict[str, object]:
    return {
        "expediente_id": expediente_id,
        "mesa_id": str(mesa_id),
        "permiso": "LECTURA" if en_transito else "ESCRITURA",
        "en_transito": en_transito,
        "mesa_origen_id": str(origen) if origen else None,
        "mesas": [str(m) for m in mesas],
        "desde": datetime.now(UTC).isoformat(),
        "un_campo_nuevo": "se ignora",
    }


async def _alta(cliente: httpx.AsyncClient, mesa, **extra: object) -> dict:
    r = await cliente.post("/api/v1/expedientes", json={**DATOS, **extra}, headers=mesa.headers())
    assert r.status_code == 201, r.text
    return r.json()


async def _ver(cliente: httpx.AsyncClient, mesa, expediente_id: str) -> httpx.Response:
    return await cliente.get(f"/api/v1/expedientes/{expediente_id}", headers=mesa.headers())


async def _listado(cliente: httpx.AsyncClient, mesa, **params: object) -> list[str]:
    r = await cliente.get("/api/v1/expedientes", params=params, headers=mesa.headers())
    assert r.status_code == 200, r.text
    return [e["id"] for e in r.json()["items"]]


async def test_recien_dado_de_alta_se_ve_completo_antes_de_que_hable_pases(
    cliente: httpx.AsyncClient, mesa
) -> None:
    alta = await _alta(cliente, mesa)
    assert uuid.UUID(alta["id"]).version == 7  # its id says when it was made
    assert (alta["estado"], alta["mesa_actual_id"], alta["permiso_actual"]) == (
        "EN_TRAMITE",
        str(mesa.id),
        "ESCRITURA",
    )
    assert (await _ver(cliente, mesa, alta["id"])).json() == alta
    assert alta["id"] in await _listado(cliente, mesa)


async def test_la_copia_aplica_solo_versiones_nuevas_aunque_lleguen_desordenadas_o_repetidas(
    cliente: httpx.AsyncClient, mesa, otra_mesa, eventos
) -> None:
    alta = await _alta(cliente, mesa)
    ident, a, b = alta["id"], mesa.id, otra_mesa.id
    inicial = await eventos.publicar(CUSTODIA, _custodia(ident, a, [a]), ident, 1)
    enviado = _custodia(ident, b, [a], en_transito=True, origen=a)
    recibido = _custodia(ident, b, [a, b], origen=a)
    # The bus delivers the newest first, then the older ones, then repeats.
    v3 = await eventos.publicar(CUSTODIA, recibido, ident, 3)
    await eventos.consumidos(v3)
    v2 = await eventos.publicar(CUSTODIA, enviado, ident, 2)
    await eventos.repetir(inicial)
    otra_v3 = await eventos.publicar(CUSTODIA, {**recibido, "mesa_id": str(a)}, ident, 3)
    await eventos.repetir(v3)
    await eventos.consumidos(inicial, v2, otra_v3)

    visto = (await _ver(cliente, otra_mesa, ident)).json()
    assert (visto["mesa_actual_id"], visto["estado"], visto["permiso_actual"]) == (
        str(b),
        "EN_TRAMITE",
        "ESCRITURA",
    )


async def test_en_transito_el_estado_es_recepcion_pendiente_y_se_filtra_por_el(
    cliente: httpx.AsyncClient, mesa, otra_mesa, eventos
) -> None:
    en_camino, quieto = await _alta(cliente, mesa), await _alta(cliente, mesa)
    a, b = mesa.id, otra_mesa.id
    enviado = await eventos.publicar(
        CUSTODIA,
        _custodia(en_camino["id"], b, [a], en_transito=True, origen=a),
        en_camino["id"],
        2,
    )
    await eventos.consumidos(enviado)

    visto = (await _ver(cliente, mesa, en_camino["id"])).json()
    assert (visto["estado"], visto["mesa_actual_id"]) == ("RECEPCION_PENDIENTE", str(b))
    assert await _listado(cliente, mesa, estado="RECEPCION_PENDIENTE") == [en_camino["id"]]
    assert await _listado(cliente, mesa, estado="EN_TRAMITE") == [quieto["id"]]


async def test_el_alcance_son_las_mesas_alcanzadas_en_detalle_y_listado(
    cliente: httpx.AsyncClient, mesa, otra_mesa, eventos
) -> None:
    alta = await _alta(cliente, mesa, extracto="Expediente que viaja")
    ident, a, b = alta["id"], mesa.id, otra_mesa.id
    assert (await _ver(cliente, otra_mesa, ident)).status_code == 403
    assert ident not in await _listado(cliente, otra_mesa)

    recibido = await eventos.publicar(CUSTODIA, _custodia(ident, b, [a, b], origen=a), ident, 3)
    await eventos.consumidos(recibido)
    assert (await _ver(cliente, otra_mesa, ident)).status_code == 200
    assert await _listado(cliente, otra_mesa) == [ident]
    # The desk it started at keeps it in scope after it left.
    assert (await _ver(cliente, mesa, ident)).status_code == 200
    assert ident in await _listado(cliente, mesa)
