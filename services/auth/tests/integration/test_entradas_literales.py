"""What a client types is taken literally: `%` and `_` in a search are text, not wildcards
(users, catalogue), and a yes/no field wants a JSON boolean."""

from __future__ import annotations

import uuid

import pytest


async def test_guion_bajo_y_porcentaje_en_la_busqueda_de_usuarios_se_buscan_tal_cual(api, client):
    marca = uuid.uuid4().hex[:8]
    con_guion = await api.crear_usuario(activar=False, usuario=f"l{marca}_a")
    await api.crear_usuario(activar=False, usuario=f"l{marca}za")
    con_porcentaje = await api.crear_usuario(
        activar=False, usuario=f"p{marca}", nombre=f"Avance 100% {marca}"
    )
    await api.crear_usuario(activar=False, usuario=f"q{marca}", nombre=f"Avance 1000 {marca}")
    admin = await api.admin()

    async def hallados(q: str) -> list[str]:
        r = await client.get("/api/v1/usuarios", params={"q": q}, headers=admin)
        assert r.status_code == 200, r.text
        return [u["id"] for u in r.json()["items"]]

    assert await hallados(f"l{marca}_a") == [con_guion.id]
    assert await hallados(f"100% {marca}") == [con_porcentaje.id]


@pytest.mark.parametrize("listado", ["organismos", "mesas", "tipos"])
async def test_comodines_en_la_busqueda_del_catalogo_traen_solo_lo_que_los_contiene(
    api, client, listado: str
) -> None:
    admin = await api.admin()
    todos = await client.get(f"/api/v1/catalogo/{listado}", headers=admin)
    assert todos.json()["items"]  # the demo catalogue is there
    for q in ("%", "_", "\\"):
        r = await client.get(f"/api/v1/catalogo/{listado}", params={"q": q}, headers=admin)
        assert r.status_code == 200, r.text
        items = r.json()["items"]
        assert len(items) < len(todos.json()["items"]), q
        assert all(q in " ".join(str(v) for v in i.values()) for i in items), q


@pytest.mark.parametrize("activo", [0, "false"])
async def test_activo_que_no_es_booleano_json_se_rechaza_con_422(api, client, activo) -> None:
    cuenta = await api.crear_usuario(activar=False)
    r = await client.patch(
        f"/api/v1/usuarios/{cuenta.id}", json={"activo": activo}, headers=await api.admin()
    )
    assert r.status_code == 422, r.text
    assert [e["campo"] for e in r.json()["errors"]] == ["activo"]
    sigue = await client.get(f"/api/v1/usuarios/{cuenta.id}", headers=await api.admin())
    assert sigue.json()["activo"] is True


@pytest.mark.parametrize(
    "cursor",
    ["²", "\x00", "a" * 5000, "-1", "%_"],
    ids=["superindice", "nul", "enorme", "negativo", "comodines"],
)
async def test_un_cursor_cualquiera_en_usuarios_responde_una_pagina_o_un_problema_nunca_500(
    api, client, cursor: str
) -> None:
    r = await client.get("/api/v1/usuarios", params={"cursor": cursor}, headers=await api.admin())
    assert r.status_code in {200, 400, 422}, r.text
    if r.status_code != 200:
        assert r.headers["content-type"].startswith("application/problem+json")
