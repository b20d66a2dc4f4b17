"""The consulta global (GET /api/v1/consulta-global): any signed-in user finds any PUBLICO
expediente of every organismo by referencia, GDE number or words, as a summary of where it is;
a RESERVADO one never, for anyone."""

from __future__ import annotations

import random
import string

import httpx
from fastapi import FastAPI
from sqlalchemy import text

RESUMEN = {"id", "referencia", "extracto", "estado", "mesa_actual_id", "mesa_actual"}


def _palabra() -> str:
    return "zq" + "".join(random.choices(string.ascii_lowercase, k=8))


async def _alta(cliente: httpx.AsyncClient, mesa, extracto: str, **extra: object) -> dict:
    datos = {"extracto": extracto, "tomos": 1, "fojas": 3, "tipo": "GENERAL", **extra}
    r = await cliente.post("/api/v1/expedientes", json=datos, headers=mesa.headers())
    assert r.status_code == 201, r.text
    return r.json()


async def _consultar(cliente: httpx.AsyncClient, headers: dict[str, str], **params: object):
    r = await cliente.get("/api/v1/consulta-global", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def test_cualquier_usuario_encuentra_un_publico_de_otro_organismo_y_ve_solo_un_resumen(
    cliente: httpx.AsyncClient, mesa, otra_mesa, eventos
) -> None:
    palabra = _palabra()
    publico = await _alta(cliente, mesa, f"Licitación de {palabra}")
    desk = {
        "id": str(mesa.id),
        "codigo": "M1",
        "nombre": "Mesa de Entradas del Consejo",
        "organismo_id": str(mesa.organismo_id),
        "organismo_codigo": mesa.codigo,
        "organismo_nombre": "CONSEJO AGRARIO PROVINCIAL",
        "organismo_version": 1,
        "es_oficina": False,
        "activo": True,
    }
    await eventos.consumidos(await eventos.publicar("sigexp.mesa.actualizada.v1", desk, mesa.id, 1))

    for perfil in ("CONSULTA", "CARGA", "MESA_ENTRADA"):  # another organismo's desk
        hallados = await _consultar(cliente, otra_mesa.headers(perfil), q=palabra)
        assert [e["id"] for e in hallados["items"]] == [publico["id"]]
    (resumen,) = hallados["items"]
    assert set(resumen) == RESUMEN | {"organismo", "creado_en"}  # no fojas, tipo, instrument...
    assert resumen["referencia"] == publico["referencia"]
    assert resumen["estado"] == "EN_TRAMITE"
    assert resumen["mesa_actual"]["nombre"] == "Mesa de Entradas del Consejo"
    assert resumen["organismo"] == {
        "id": str(mesa.organismo_id),
        "codigo": mesa.codigo,
        "nombre": "CONSEJO AGRARIO PROVINCIAL",
    }
    # By its referencia (tiers read in one statement, names joined to the page): the same.
    por_referencia = await _consultar(cliente, otra_mesa.headers(), q=publico["referencia"])
    assert por_referencia["items"][0] == resumen  # first, before files that mention it
    # Its detail stays within scope.
    detalle = await cliente.get(f"/api/v1/expedientes/{publico['id']}", headers=otra_mesa.headers())
    assert detalle.status_code == 403


async def test_por_referencia_y_por_numero_gde(
    servicio: tuple[FastAPI, httpx.AsyncClient], mesa, otra_mesa
) -> None:
    app, cliente = servicio
    numero = random.randint(10_000, 99_999)
    letras = "".join(random.choices(string.ascii_uppercase, k=5))
    buscado = await _alta(cliente, mesa, "Por referencia", numero=numero, letras=letras, anio=2022)
    gde = f"EX-2022-{random.randint(10**7, 10**8 - 1)}- -APN-DGDYD#JGM"
    async with app.state.engine.begin() as conexion:
        await conexion.execute(
            text("UPDATE expedientes SET numero_gde = :g WHERE id = :i"),
            {"g": gde, "i": buscado["id"]},
        )
    headers = otra_mesa.headers("CONSULTA")

    por_referencia = await _consultar(cliente, headers, q=f"{numero}-{letras}-2022")
    por_gde = await _consultar(cliente, headers, q=gde)
    assert [e["id"] for e in por_referencia["items"]] == [buscado["id"]]
    assert [e["id"] for e in por_gde["items"]] == [buscado["id"]]


async def test_un_reservado_nunca_aparece_ni_para_admin_ni_para_su_mesa(
    cliente: httpx.AsyncClient, mesa, otra_mesa
) -> None:
    palabra = _palabra()
    reservado = await _alta(cliente, mesa, f"Sumario {palabra}", caracter="RESERVADO")
    publico = await _alta(cliente, mesa, f"Nota {palabra}")

    for headers in (
        otra_mesa.headers("ADMIN"),
        otra_mesa.headers("AUTORIDAD"),
        mesa.headers(),  # even the desk that holds it
        otra_mesa.headers("CONSULTA"),
    ):
        por_palabra = await _consultar(cliente, headers, q=palabra)
        por_referencia = await _consultar(cliente, headers, q=reservado["referencia"])
        assert [e["id"] for e in por_palabra["items"]] == [publico["id"]]
        assert reservado["id"] not in [e["id"] for e in por_referencia["items"]]


async def test_pagina_con_cursor_y_se_audita_con_lo_buscado(
    servicio: tuple[FastAPI, httpx.AsyncClient], mesa, otra_mesa
) -> None:
    app, cliente = servicio
    palabra = _palabra()
    creados = [await _alta(cliente, mesa, f"Paginado {palabra} {i}") for i in range(5)]
    headers = otra_mesa.headers("CONSULTA")
    vistos, cursor = [], None
    while True:
        pagina = await _consultar(
            cliente, headers, q=palabra, limit=2, **({"cursor": cursor} if cursor else {})
        )
        vistos += [e["id"] for e in pagina["items"]]
        if (cursor := pagina["next_cursor"]) is None:
            break
    assert vistos == [e["id"] for e in reversed(creados)]

    async with app.state.engine.connect() as conexion:
        registros = await conexion.scalar(
            text(
                "SELECT count(*) FROM outbox "
                "WHERE envelope->'data'->>'accion' = 'expediente.consulta_global' "
                "AND envelope->'data'->'detalle'->>'q' = :q"
            ),
            {"q": palabra},
        )
    assert registros == 3


async def test_sin_palabras_es_422_y_sin_token_401(cliente: httpx.AsyncClient, mesa) -> None:
    vacia = await cliente.get("/api/v1/consulta-global", params={"q": "  "}, headers=mesa.headers())
    sin_q = await cliente.get("/api/v1/consulta-global", headers=mesa.headers())
    sin_token = await cliente.get("/api/v1/consulta-global", params={"q": "obra"})
    mal_cursor = await cliente.get(
        "/api/v1/consulta-global", params={"q": "obra", "cursor": "@@"}, headers=mesa.headers()
    )
    assert vacia.status_code == 422
    assert vacia.json()["errors"][0]["campo"] == "q"
    assert sin_q.status_code == 422
    assert sin_token.status_code == 401
    assert mal_cursor.status_code == 400
