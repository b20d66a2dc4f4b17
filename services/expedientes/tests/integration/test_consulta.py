"""Reading and searching expedientes: scope of each desk, RESERVADO secrecy, paging."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import aio_pika
import httpx

from sigexp_common.broker import declare_events_exchange
from sigexp_common.ids import uuid7
from sigexp_testing.infra import TestInfra

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


async def test_publico_fuera_de_alcance_es_403(cliente: httpx.AsyncClient, mesa, otra_mesa) -> None:
    publico = await _alta(cliente, mesa)
    r = await cliente.get(f"/api/v1/expedientes/{publico['id']}", headers=otra_mesa.headers())
    assert r.status_code == 403
    assert r.json()["detail"] == "El expediente no pasó por su mesa: no puede verlo."


async def test_reservado_fuera_de_alcance_responde_y_se_audita_igual_que_uno_inexistente(
    cliente: httpx.AsyncClient, mesa, otra_mesa, tokens, infra: TestInfra
) -> None:
    reservado = await _alta(cliente, mesa, caracter="RESERVADO", extracto="Sumario reservado")
    inexistente = str(uuid7())
    usuario_id = uuid.uuid4()
    ajeno = {
        "Authorization": "Bearer "
        + tokens.token("MESA_ENTRADA", usuario_id=usuario_id, mesa_id=otra_mesa.id)
    }
    async with _registros_de(infra, usuario_id) as registros:
        respuestas = {
            ident: await cliente.get(f"/api/v1/expedientes/{ident}", headers=ajeno)
            for ident in (reservado["id"], inexistente)
        }
        listado = await cliente.get("/api/v1/expedientes", params={"q": "Sumario"}, headers=ajeno)
        de_cada_uno = await registros({reservado["id"], inexistente})

    assert _sin_id(respuestas[reservado["id"]], reservado["id"]) == _sin_id(
        respuestas[inexistente], inexistente
    )
    assert respuestas[inexistente].status_code == 404
    assert respuestas[inexistente].json()["detail"] == "El expediente no existe."
    assert de_cada_uno[reservado["id"]] == de_cada_uno[inexistente]
    assert de_cada_uno[inexistente]["resultado"] == "DENEGADO"
    assert listado.json()["items"] == []  # the listing never shows it either


def _sin_id(respuesta: httpx.Response, ident: str) -> tuple[int, str, dict]:
    cuerpo = respuesta.json()
    assert cuerpo.pop("instance") == f"/api/v1/expedientes/{ident}"
    return respuesta.status_code, respuesta.headers["content-type"], cuerpo


@contextlib.asynccontextmanager
async def _registros_de(
    infra: TestInfra, usuario_id: uuid.UUID
) -> AsyncIterator[Callable[[set[str]], Awaitable[dict[str, dict]]]]:
    """The audit records of one user's expediente reads, by expediente, without what differs
    between any two records (time, ids, request)."""
    connection = await aio_pika.connect_robust(infra.amqp_url)
    channel = await connection.channel()
    exchange = await declare_events_exchange(connection, channel)
    queue = await channel.declare_queue(exclusive=True)
    await queue.bind(exchange, "sigexp.acceso.registrado.v1")

    async def recoger(expedientes: set[str]) -> dict[str, dict]:
        vistos: dict[str, dict] = {}
        async with asyncio.timeout(15), queue.iterator() as messages:
            async for message in messages:
                await message.ack()
                datos = json.loads(message.body)["data"]
                if datos["usuario_id"] == str(usuario_id) and datos["expediente_id"]:
                    propios = {"en", "expediente_id", "recurso", "request_id"}
                    vistos[datos["expediente_id"]] = {
                        k: v for k, v in datos.items() if k not in propios
                    }
                if set(vistos) >= expedientes:
                    return vistos
        return vistos

    try:
        yield recoger
    finally:
        await connection.close()


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


async def test_un_usuario_sin_mesa_no_ve_el_detalle_de_ninguna(
    cliente: httpx.AsyncClient, mesa, tokens
) -> None:
    publico = await _alta(cliente, mesa)
    reservado = await _alta(cliente, mesa, caracter="RESERVADO")
    sin_mesa = {"Authorization": "Bearer " + tokens.token("CONSULTA", mesa_id=None)}
    r_publico = await cliente.get(f"/api/v1/expedientes/{publico['id']}", headers=sin_mesa)
    r_reservado = await cliente.get(f"/api/v1/expedientes/{reservado['id']}", headers=sin_mesa)
    assert r_publico.status_code == 403
    assert r_reservado.status_code == 404
