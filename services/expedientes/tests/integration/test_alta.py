"""Alta of expedientes: numbering, permissions, validation, and what it tells the bus."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid

import aio_pika
import httpx

from sigexp_common.broker import declare_events_exchange
from sigexp_testing.infra import TestInfra
from sigexp_testing.tokens import TokenFactory

DATOS = {
    "extracto": "Solicitud de subsidio agropecuario",
    "tomos": 1,
    "fojas": 12,
    "tipo": "GENERAL",
}


async def test_alta_sin_numero_asigna_el_siguiente_de_la_serie(
    cliente: httpx.AsyncClient, mesa
) -> None:
    primero = await cliente.post("/api/v1/expedientes", json=DATOS, headers=mesa.headers())
    segundo = await cliente.post(
        "/api/v1/expedientes", json={**DATOS, "letras": "gsc"}, headers=mesa.headers()
    )
    tercero = await cliente.post("/api/v1/expedientes", json=DATOS, headers=mesa.headers())

    assert primero.status_code == 201, primero.text
    uno, con_letras, dos = primero.json(), segundo.json(), tercero.json()
    assert (uno["numero"], dos["numero"]) == (1, 2)
    assert con_letras["numero"] == 1  # another series: (codigo, GSC, anio)
    assert con_letras["referencia"] == f"1-GSC-{con_letras['anio']}"
    assert uno["referencia"] == f"1-{uno['anio']}"
    assert uno["codigo"] == mesa.codigo
    assert uno["estado"] == "EN_TRAMITE"
    assert uno["mesa_actual_id"] == str(mesa.id)
    assert uno["permiso_actual"] == "ESCRITURA"


async def test_altas_concurrentes_no_dejan_huecos_ni_duplicados(
    cliente: httpx.AsyncClient, mesa
) -> None:
    respuestas = await asyncio.gather(
        *(
            cliente.post("/api/v1/expedientes", json=DATOS, headers=mesa.headers())
            for _ in range(50)
        )
    )
    assert [r.status_code for r in respuestas] == [201] * 50
    assert sorted(r.json()["numero"] for r in respuestas) == list(range(1, 51))


async def test_numero_escrito_por_la_mesa_se_respeta_y_la_serie_sigue_despues(
    cliente: httpx.AsyncClient, mesa
) -> None:
    manual = await cliente.post(
        "/api/v1/expedientes", json={**DATOS, "numero": 48375, "anio": 2023}, headers=mesa.headers()
    )
    siguiente = await cliente.post(
        "/api/v1/expedientes", json={**DATOS, "anio": 2023}, headers=mesa.headers()
    )
    repetido = await cliente.post(
        "/api/v1/expedientes", json={**DATOS, "numero": 48375, "anio": 2023}, headers=mesa.headers()
    )
    assert manual.json()["referencia"] == "48375-2023"
    assert siguiente.json()["numero"] == 48376
    assert repetido.status_code == 409
    assert repetido.headers["content-type"] == "application/problem+json"
    assert repetido.json()["detail"] == (
        f"Ese número no está disponible para la serie 2023 del organismo {mesa.codigo}; "
        "deje el número vacío para recibir el siguiente."
    )


async def test_numero_tomado_por_un_reservado_responde_lo_mismo_que_uno_publico_a_otra_mesa(
    cliente: httpx.AsyncClient, mesa
) -> None:
    otra_mesa_del_organismo = dataclasses.replace(mesa, id=uuid.uuid4())
    for numero, caracter in ((700, "RESERVADO"), (701, "PUBLICO")):
        r = await cliente.post(
            "/api/v1/expedientes",
            json={**DATOS, "numero": numero, "letras": "RS", "anio": 2024, "caracter": caracter},
            headers=mesa.headers(),
        )
        assert r.status_code == 201, r.text

    async def repetir(numero: int) -> tuple[int, dict[str, object]]:
        r = await cliente.post(
            "/api/v1/expedientes",
            json={**DATOS, "numero": numero, "letras": "RS", "anio": 2024},
            headers=otra_mesa_del_organismo.headers(),
        )
        return r.status_code, r.json()

    del_reservado, del_publico = await repetir(700), await repetir(701)
    assert del_reservado == del_publico
    assert del_reservado[0] == 409
    assert del_reservado[1]["detail"] == (
        f"Ese número no está disponible para la serie RS-2024 del organismo {mesa.codigo}; "
        "deje el número vacío para recibir el siguiente."
    )
    respuesta = str(del_reservado[1]).replace(mesa.codigo, "")  # a random código may hold 700
    assert "700" not in respuesta
    assert "RESERVADO" not in respuesta


async def test_solo_mesa_de_entrada_inicia_expedientes(cliente: httpx.AsyncClient, mesa) -> None:
    for perfil in ("OFICINA", "CARGA", "CONSULTA", "AUTORIDAD", "ADMIN"):
        r = await cliente.post("/api/v1/expedientes", json=DATOS, headers=mesa.headers(perfil))
        assert r.status_code == 403, perfil
        assert r.json()["detail"] == "Su perfil no permite realizar esta acción."


async def test_sin_token_o_con_token_ajeno_es_401(cliente: httpx.AsyncClient, mesa) -> None:
    sin_token = await cliente.post("/api/v1/expedientes", json=DATOS)
    ajeno = TokenFactory().token("MESA_ENTRADA", mesa_id=mesa.id, organismo_codigo=mesa.codigo)
    con_ajeno = await cliente.post(
        "/api/v1/expedientes", json=DATOS, headers={"Authorization": f"Bearer {ajeno}"}
    )
    basura = await cliente.get("/api/v1/expedientes", headers={"Authorization": "Bearer x.y.z"})
    assert (sin_token.status_code, con_ajeno.status_code, basura.status_code) == (401, 401, 401)
    assert sin_token.json()["detail"].startswith("Falta el token de acceso")


async def test_con_password_provisoria_todo_es_403(cliente: httpx.AsyncClient, mesa) -> None:
    r = await cliente.get("/api/v1/expedientes", headers=mesa.headers(debe_cambiar_password=True))
    assert r.status_code == 403
    assert "contraseña provisoria" in r.json()["detail"]


async def test_datos_invalidos_dan_422_con_cada_campo_en_castellano(
    cliente: httpx.AsyncClient, mesa
) -> None:
    r = await cliente.post(
        "/api/v1/expedientes",
        json={"extracto": "", "tomos": 0, "fojas": -1, "caracter": "SECRETO", "otro": 1},
        headers=mesa.headers(),
    )
    assert r.status_code == 422
    errores = {e["campo"]: e["mensaje"] for e in r.json()["errors"]}
    assert errores["extracto"] == "Debe tener al menos 3 caracteres."
    assert errores["tomos"] == "Debe ser mayor o igual que 1."
    assert errores["fojas"] == "Debe ser mayor o igual que 0."
    assert errores["caracter"].startswith("Debe ser uno de")
    assert errores["otro"] == "Campo no admitido."
    listado = await cliente.get("/api/v1/expedientes", headers=mesa.headers())
    assert listado.json()["items"] == []  # nothing half-written


async def test_cuerpo_que_no_es_json_es_400(cliente: httpx.AsyncClient, mesa) -> None:
    r = await cliente.post(
        "/api/v1/expedientes",
        content=b"{no es json",
        headers={**mesa.headers(), "Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert r.json()["detail"] == "El cuerpo de la solicitud no es JSON válido."


async def test_alta_publica_expediente_iniciado_y_su_registro_de_auditoria(
    cliente: httpx.AsyncClient, mesa, infra: TestInfra
) -> None:
    connection = await aio_pika.connect_robust(infra.amqp_url)
    channel = await connection.channel()
    exchange = await declare_events_exchange(connection, channel)
    queue = await channel.declare_queue(exclusive=True)
    await queue.bind(exchange, "sigexp.expediente.iniciado.v1")
    await queue.bind(exchange, "sigexp.acceso.registrado.v1")

    r = await cliente.post("/api/v1/expedientes", json=DATOS, headers=mesa.headers())
    expediente_id = r.json()["id"]
    recibidos: dict[str, dict] = {}
    async with asyncio.timeout(15):
        async with queue.iterator() as messages:
            async for message in messages:
                await message.ack()
                evento = json.loads(message.body)
                if evento["subject"] == expediente_id:
                    recibidos[evento["type"]] = evento
                if len(recibidos) == 2:
                    break
    await connection.close()

    iniciado = recibidos["sigexp.expediente.iniciado.v1"]
    assert iniciado["source"] == "/sigexp/expedientes"
    assert iniciado["specversion"] == "1.0"
    assert uuid.UUID(iniciado["id"])
    assert iniciado["data"]["mesa_id"] == str(mesa.id)
    assert iniciado["data"]["referencia"] == r.json()["referencia"]
    acceso = recibidos["sigexp.acceso.registrado.v1"]["data"]
    assert acceso["accion"] == "expediente.crear"
    assert acceso["mesa_id"] == str(mesa.id)
    assert acceso["ip"] == "127.0.0.1"
