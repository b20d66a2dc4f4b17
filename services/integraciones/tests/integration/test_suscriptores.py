"""Per-ministry access over real RabbitMQ: each subscriber's broker user reads its own queue
and nothing else; revoking and rotating work at once; only ADMIN manages them."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import aio_pika
import httpx
import pytest
from aiormq.exceptions import AMQPError, ChannelAccessRefused, ProbableAuthenticationError
from fastapi import FastAPI
from integraciones_ayudas import iniciado, mesa, pase_enviado, publicar
from sqlalchemy import text

from sigexp_common.broker import Broker
from sigexp_common.db import transaction
from sigexp_testing.infra import free_port
from sigexp_testing.tokens import TokenFactory
from sigexp_testing.waiting import wait_until

RUTA = "/api/v1/integraciones/suscriptores"


async def _registrar(
    client: httpx.AsyncClient, admin: dict[str, str], **datos: Any
) -> dict[str, Any]:
    cuerpo = {"nombre": "Ministerio de prueba", "organismo_id": str(uuid.uuid4()), **datos}
    respuesta = await client.post(RUTA, json=cuerpo, headers=admin)
    assert respuesta.status_code == 201, respuesta.text
    return respuesta.json()


async def _leer(
    amqp_url: str, cola: str, cuantos: int, timeout: float = 30
) -> list[dict[str, Any]]:
    conexion = await aio_pika.connect(amqp_url)
    try:
        canal = await conexion.channel()
        q = await canal.get_queue(cola, ensure=False)
        leidos: list[dict[str, Any]] = []
        async with asyncio.timeout(timeout):
            while len(leidos) < cuantos:
                mensaje = await q.get(fail=False)
                if mensaje is None:
                    await asyncio.sleep(0.1)
                    continue
                leidos.append(json.loads(mensaje.body))
                await mensaje.ack()
        return leidos
    finally:
        await conexion.close()


async def _refusado(amqp_url: str, accion: Any) -> bool:
    """True when the broker refuses `accion(channel)` (access refused closes the channel)."""
    conexion = await aio_pika.connect(amqp_url)
    try:
        canal = await conexion.channel(publisher_confirms=True)
        try:
            await accion(canal)
        except (ChannelAccessRefused, AMQPError, aio_pika.exceptions.AMQPError) as exc:
            return "ACCESS_REFUSED" in repr(exc) or isinstance(exc, ChannelAccessRefused)
        return False
    finally:
        await conexion.close()


async def test_un_suscriptor_recibe_en_su_cola_las_claves_que_eligio(
    servicio: tuple[FastAPI, httpx.AsyncClient], admin: dict[str, str], bus: Broker
) -> None:
    _, client = servicio
    s = await _registrar(client, admin, claves=["sigexp.pase.*.v1"])
    cred = s["credenciales"]
    assert cred["usuario"]
    assert cred["password"]
    assert cred["cola"] == s["cola"]
    exp, m1, m2 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await publicar(bus, iniciado(exp, "PUBLICO", mesa_id=m1), pase_enviado(exp, m1, m2, version=2))

    [evento] = await _leer(cred["amqp_url"], cred["cola"], 1)

    assert evento["type"] == "sigexp.pase.enviado.v1"  # not the iniciado: not its key
    assert evento["data"]["expediente_id"] == str(exp)

    async def profundidad_cero() -> bool:
        detalle = (await client.get(f"{RUTA}/{s['id']}", headers=admin)).json()
        return detalle["profundidad_cola"] == 0

    await wait_until(profundidad_cero, timeout=30)


async def test_un_suscriptor_no_lee_la_cola_de_otro_ni_el_bus_interno_ni_publica(
    servicio: tuple[FastAPI, httpx.AsyncClient], admin: dict[str, str]
) -> None:
    _, client = servicio
    uno = (await _registrar(client, admin))["credenciales"]
    otro = (await _registrar(client, admin))["credenciales"]
    url = uno["amqp_url"]

    async def leer_ajena(canal: aio_pika.abc.AbstractChannel) -> None:
        q = await canal.get_queue(otro["cola"], ensure=False)
        await q.get(fail=False)

    async def leer_interna(canal: aio_pika.abc.AbstractChannel) -> None:
        q = await canal.get_queue("integraciones.events", ensure=False)
        await q.get(fail=False)

    async def atarse_al_bus_interno(canal: aio_pika.abc.AbstractChannel) -> None:
        q = await canal.get_queue(uno["cola"], ensure=False)
        await q.bind("sigexp.events", "#")

    async def crear_cola(canal: aio_pika.abc.AbstractChannel) -> None:
        await canal.declare_queue(exclusive=True)

    async def publicar_en(exchange: str) -> Any:
        async def accion(canal: aio_pika.abc.AbstractChannel) -> None:
            ex = await canal.get_exchange(exchange, ensure=False)
            await ex.publish(aio_pika.Message(b"{}"), "sigexp.pase.enviado.v1")

        return accion

    assert await _refusado(url, leer_ajena)
    assert await _refusado(url, leer_interna)
    assert await _refusado(url, atarse_al_bus_interno)
    assert await _refusado(url, crear_cola)
    assert await _refusado(url, await publicar_en("sigexp.publico"))
    assert await _refusado(url, await publicar_en("sigexp.events"))
    assert await _refusado(url, await publicar_en(""))


async def test_revocar_cierra_la_conexion_abierta_y_la_credencial_deja_de_servir(
    servicio: tuple[FastAPI, httpx.AsyncClient], admin: dict[str, str], rabbitmq_management: str
) -> None:
    _, client = servicio
    s = await _registrar(client, admin)
    cred = s["credenciales"]
    conexion = await aio_pika.connect(cred["amqp_url"])
    cerrada = asyncio.Event()
    conexion.close_callbacks.add(lambda *_: cerrada.set())
    await wait_until(lambda: _conectado(rabbitmq_management, cred["usuario"]), timeout=30)

    assert (await client.delete(f"{RUTA}/{s['id']}", headers=admin)).status_code == 204

    await asyncio.wait_for(cerrada.wait(), timeout=30)
    with pytest.raises((ProbableAuthenticationError, AMQPError, ConnectionError)):
        await aio_pika.connect(cred["amqp_url"])
    detalle = (await client.get(f"{RUTA}/{s['id']}", headers=admin)).json()
    assert detalle["activo"] is False
    assert detalle["revocado_en"]


async def _conectado(gestion: str, usuario: str) -> bool:
    """The broker lists a connection of `usuario` (its management view lags a little)."""
    async with httpx.AsyncClient(auth=("guest", "guest")) as api:
        conexiones = (await api.get(f"{gestion}/api/connections")).json()
    return any(c.get("user") == usuario for c in conexiones)


async def test_rotar_deja_sin_efecto_la_password_anterior(
    servicio: tuple[FastAPI, httpx.AsyncClient], admin: dict[str, str]
) -> None:
    _, client = servicio
    s = await _registrar(client, admin)
    vieja = s["credenciales"]["amqp_url"]

    respuesta = await client.post(f"{RUTA}/{s['id']}/credenciales", headers=admin)

    assert respuesta.status_code == 200
    nueva = respuesta.json()["amqp_url"]
    assert nueva != vieja
    with pytest.raises((ProbableAuthenticationError, AMQPError, ConnectionError)):
        await aio_pika.connect(vieja)
    await (await aio_pika.connect(nueva)).close()


async def test_filtrado_por_organismo_solo_recibe_los_expedientes_que_lo_tocan(
    servicio: tuple[FastAPI, httpx.AsyncClient], admin: dict[str, str], bus: Broker
) -> None:
    _, client = servicio
    organismo, otro_organismo = uuid.uuid4(), uuid.uuid4()
    propia, ajena, tercera = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await publicar(
        bus, mesa(propia, organismo), mesa(ajena, otro_organismo), mesa(tercera, otro_organismo)
    )
    s = await _registrar(client, admin, organismo_id=str(organismo), solo_organismo=True)
    cred = s["credenciales"]
    llega, no_llega = uuid.uuid4(), uuid.uuid4()
    await wait_until(lambda: _mesas_copiadas(servicio[0], [propia, ajena, tercera]), timeout=30)
    await publicar(
        bus,
        iniciado(no_llega, "PUBLICO", mesa_id=ajena, organismo_id=otro_organismo),
        pase_enviado(no_llega, ajena, tercera, version=2),
        iniciado(llega, "PUBLICO", mesa_id=ajena, organismo_id=otro_organismo),
        pase_enviado(llega, ajena, propia, version=2),
        pase_enviado(llega, propia, tercera, version=3),
    )

    eventos = await _leer(cred["amqp_url"], cred["cola"], 2)

    # Only the pases of the expediente that reached its desk; not the iniciado (elsewhere),
    # never the other expediente.
    assert {e["data"]["expediente_id"] for e in eventos} == {str(llega)}
    assert {e["type"] for e in eventos} == {"sigexp.pase.enviado.v1"}

    async def vacia() -> bool:
        detalle = (await client.get(f"{RUTA}/{s['id']}", headers=admin)).json()
        return detalle["profundidad_cola"] == 0 and detalle["entregas_pendientes"] == 0

    await wait_until(vacia, timeout=30)


async def _mesas_copiadas(app: FastAPI, mesas: list[uuid.UUID]) -> bool:
    from sqlalchemy import func, select

    from integraciones.models import MesaCopia
    from sigexp_common.db import transaction

    async with transaction(app.state.sessions) as db:
        n = await db.scalar(select(func.count()).where(MesaCopia.id.in_(mesas)))
    return n == len(mesas)


@pytest.mark.parametrize("perfil", ["MESA_ENTRADA", "AUTORIDAD", "CONSULTA"])
async def test_solo_admin_gestiona_suscriptores(
    servicio: tuple[FastAPI, httpx.AsyncClient], tokens: TokenFactory, perfil: str
) -> None:
    _, client = servicio
    otro = {"Authorization": f"Bearer {tokens.token(perfil)}"}
    cuerpo = {"nombre": "X", "organismo_id": str(uuid.uuid4())}

    assert (await client.post(RUTA, json=cuerpo, headers=otro)).status_code == 403
    assert (await client.get(RUTA, headers=otro)).status_code == 403


async def test_claves_que_no_eligen_eventos_publicos_son_422(
    servicio: tuple[FastAPI, httpx.AsyncClient], admin: dict[str, str]
) -> None:
    _, client = servicio
    cuerpo = {"nombre": "X", "organismo_id": str(uuid.uuid4()), "claves": ["sigexp.anotacion.#"]}

    respuesta = await client.post(RUTA, json=cuerpo, headers=admin)

    assert respuesta.status_code == 422
    assert respuesta.json()["errors"][0]["campo"].startswith("claves")
    assert (await client.get(f"{RUTA}/{uuid.uuid4()}", headers=admin)).status_code == 404


async def test_las_credenciales_no_quedan_guardadas_como_respuesta_idempotente(
    servicio: tuple[FastAPI, httpx.AsyncClient], admin: dict[str, str]
) -> None:
    app, client = servicio
    cabeceras = {**admin, "Idempotency-Key": f"alta-{uuid.uuid4()}"}
    cuerpo = {"nombre": "Ministerio", "organismo_id": str(uuid.uuid4())}

    primera = await client.post(RUTA, json=cuerpo, headers=cabeceras)
    rotada = await client.post(f"{RUTA}/{primera.json()['id']}/credenciales", headers=cabeceras)

    baja = f"baja-{uuid.uuid4()}"  # other answers are kept, as in every service
    revocada = await client.delete(
        f"{RUTA}/{primera.json()['id']}", headers={**admin, "Idempotency-Key": baja}
    )

    assert primera.status_code == 201
    assert rotada.status_code == 200
    assert revocada.status_code == 204
    async with transaction(app.state.sessions) as db:
        filas = await db.execute(
            text("SELECT key, convert_from(body, 'UTF8') FROM idempotency_keys")
        )
        guardadas = dict(filas.tuples().all())
    assert baja in guardadas
    for secreto in (primera.json()["credenciales"]["password"], rotada.json()["password"]):
        assert not any(secreto in cuerpo for cuerpo in guardadas.values())


async def test_sin_la_api_de_gestion_el_alta_es_503_y_no_guarda_nada(
    servicio: tuple[FastAPI, httpx.AsyncClient], admin: dict[str, str]
) -> None:
    app, client = servicio
    nombre = f"Ministerio sin broker {uuid.uuid4()}"
    original = app.state.settings
    cerrado = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    app.state.settings = original.model_copy(update={"rabbitmq_api_url": cerrado})
    try:
        respuesta = await client.post(
            RUTA, json={"nombre": nombre, "organismo_id": str(uuid.uuid4())}, headers=admin
        )
    finally:
        app.state.settings = original

    assert respuesta.status_code == 503
    assert respuesta.headers["content-type"] == "application/problem+json"
    assert "broker" in respuesta.json()["detail"]
    listado = (await client.get(RUTA, headers=admin)).json()["items"]
    assert nombre not in [s["nombre"] for s in listado]


async def test_editar_cambia_el_nombre_y_no_lo_que_recibe_ni_por_quien_no_es_admin(
    servicio: tuple[FastAPI, httpx.AsyncClient], admin: dict[str, str], tokens: TokenFactory
) -> None:
    _, client = servicio
    s = await _registrar(client, admin, claves=["sigexp.pase.#"])
    ruta = f"{RUTA}/{s['id']}"
    mesa = {"Authorization": f"Bearer {tokens.token('MESA_ENTRADA')}"}

    editado = await client.patch(ruta, json={"nombre": "Sistema de Hacienda"}, headers=admin)
    claves = await client.patch(ruta, json={"claves": ["#"]}, headers=admin)
    webhook = await client.patch(ruta, json={"webhook_url": "https://x.example/h"}, headers=admin)
    ajeno = await client.patch(ruta, json={"nombre": "Otro"}, headers=mesa)

    assert editado.status_code == 200, editado.text
    assert (editado.json()["nombre"], editado.json()["claves"]) == (
        "Sistema de Hacienda",
        ["sigexp.pase.#"],
    )
    assert claves.status_code == 422
    assert [e["campo"] for e in claves.json()["errors"]] == ["claves"]
    assert webhook.status_code == 422
    assert webhook.json()["errors"][0]["campo"] == "webhook_url"
    assert ajeno.status_code == 403
    assert (await client.get(ruta, headers=admin)).json()["nombre"] == "Sistema de Hacienda"
