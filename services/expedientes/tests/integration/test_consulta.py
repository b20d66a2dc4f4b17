"""Reading and searching expedientes: scope of each desk, RESERVADO secrecy, paging."""

from __future__ import annotations

import httpx

DATOS = {"extracto": "Licitación de maquinaria vial", "tomos": 2, "fojas": 40, "tipo": "LICITACION"}


async def _alta(cliente: httpx.AsyncClient, mesa, **extra: object) -> dict:
    r = await cliente.post("/api/v1/expedientes", json={**DATOS, **extra}, headers=mesa.headers())
    assert r.status_code == 201, r.text
    return r.json()


async def test_la_mesa_que_lo_inicio_ve_el_detalle(cliente: httpx.AsyncClient, mesa) -> None:
    creado = await _alta(cliente, mesa)
    r = await cliente.get(f"/api/v1/expedientes/{creado['id']}", headers=mesa.headers("CONSULTA"))
    assert r.status_code == 200
    assert r.json()["extracto"] == DATOS["extracto"]


async def test_publico_fuera_de_alcance_es_403_y_reservado_es_404(
    cliente: httpx.AsyncClient, mesa, otra_mesa
) -> None:
    publico = await _alta(cliente, mesa)
    reservado = await _alta(cliente, mesa, caracter="RESERVADO")
    r_pub = await cliente.get(f"/api/v1/expedientes/{publico['id']}", headers=otra_mesa.headers())
    r_res = await cliente.get(f"/api/v1/expedientes/{reservado['id']}", headers=otra_mesa.headers())
    assert r_pub.status_code == 403
    assert r_res.status_code == 404
    assert r_res.json()["detail"] == "El expediente no existe."  # same as a missing one


async def test_autoridad_ve_expedientes_de_todos_los_organismos(
    cliente: httpx.AsyncClient, mesa, otra_mesa
) -> None:
    reservado = await _alta(cliente, mesa, caracter="RESERVADO")
    r = await cliente.get(
        f"/api/v1/expedientes/{reservado['id']}", headers=otra_mesa.headers("AUTORIDAD")
    )
    assert r.status_code == 200


async def test_busqueda_solo_en_el_alcance_mas_nuevo_primero_y_paginada(
    cliente: httpx.AsyncClient, mesa, otra_mesa
) -> None:
    propios = [await _alta(cliente, mesa, extracto=f"Obra hídrica etapa {i}") for i in range(5)]
    await _alta(cliente, otra_mesa, extracto="Obra hídrica de otro organismo")

    pagina = await cliente.get(
        "/api/v1/expedientes", params={"q": "hídrica", "limit": 3}, headers=mesa.headers()
    )
    assert pagina.status_code == 200
    primera = pagina.json()
    assert [e["id"] for e in primera["items"]] == [p["id"] for p in reversed(propios)][:3]
    resto = await cliente.get(
        "/api/v1/expedientes",
        params={"q": "hídrica", "limit": 3, "cursor": primera["next_cursor"]},
        headers=mesa.headers(),
    )
    segunda = resto.json()
    assert [e["id"] for e in segunda["items"]] == [p["id"] for p in reversed(propios)][3:]
    assert segunda["next_cursor"] is None


async def test_busqueda_por_referencia_y_filtros(cliente: httpx.AsyncClient, mesa) -> None:
    creado = await _alta(cliente, mesa, letras="ABC", anio=2024, numero=123)
    r = await cliente.get(
        "/api/v1/expedientes",
        params={"q": "123-ABC-2024", "anio": 2024, "tipo": "LICITACION"},
        headers=mesa.headers(),
    )
    assert [e["id"] for e in r.json()["items"]] == [creado["id"]]


async def test_parametros_invalidos_de_busqueda_son_422_o_400(
    cliente: httpx.AsyncClient, mesa
) -> None:
    mal_limite = await cliente.get(
        "/api/v1/expedientes", params={"limit": 500}, headers=mesa.headers()
    )
    mal_cursor = await cliente.get(
        "/api/v1/expedientes", params={"cursor": "@@"}, headers=mesa.headers()
    )
    mal_id = await cliente.get("/api/v1/expedientes/no-es-uuid", headers=mesa.headers())
    assert mal_limite.status_code == 422
    assert mal_cursor.status_code == 400
    assert mal_id.status_code == 422
