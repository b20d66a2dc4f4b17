"""Expedientes names desks from its own copy of auth's catalogue, kept by events and ordered by
the version of each row (a late, older event never undoes a newer one)."""

from __future__ import annotations

import asyncio
import json

import aio_pika
import httpx

from sigexp_testing.infra import TestInfra

DATOS = {"extracto": "Pedido de informe", "tomos": 1, "fojas": 1}
MESA = "sigexp.mesa.actualizada.v1"
ORGANISMO = "sigexp.organismo.actualizado.v1"


def _mesa(mesa, nombre: str, organismo: str, organismo_version: int) -> dict[str, object]:
    return {
        "id": str(mesa.id),
        "codigo": "PRUEBA-MESA",
        "nombre": nombre,
        "organismo_id": str(mesa.organismo_id),
        "organismo_codigo": mesa.codigo,
        "organismo_nombre": organismo,
        "organismo_version": organismo_version,
        "es_oficina": False,
        "activo": True,
    }


def _organismo(mesa, nombre: str) -> dict[str, object]:
    return {"id": str(mesa.organismo_id), "codigo": mesa.codigo, "nombre": nombre}


async def _mesa_actual(cliente: httpx.AsyncClient, mesa, expediente_id: str) -> dict | None:
    r = await cliente.get(f"/api/v1/expedientes/{expediente_id}", headers=mesa.headers())
    return r.json()["mesa_actual"]


async def test_el_expediente_nombra_su_mesa_actual_y_sigue_los_cambios_del_catalogo(
    cliente: httpx.AsyncClient, mesa, eventos
) -> None:
    sin_catalogo = await cliente.post("/api/v1/expedientes", json=DATOS, headers=mesa.headers())
    assert sin_catalogo.json()["mesa_actual"] is None  # the desk's event has not arrived yet

    nombrada = await eventos.publicar(
        MESA, _mesa(mesa, "Mesa de Entradas de Prueba", "ORGANISMO DE PRUEBA", 1), mesa.id, 1
    )
    await eventos.consumidos(nombrada)
    alta = await cliente.post("/api/v1/expedientes", json=DATOS, headers=mesa.headers())
    assert alta.json()["mesa_actual"] == {
        "id": str(mesa.id),
        "nombre": "Mesa de Entradas de Prueba",
        "organismo": {
            "id": str(mesa.organismo_id),
            "codigo": mesa.codigo,
            "nombre": "ORGANISMO DE PRUEBA",
        },
    }
    assert (
        await _mesa_actual(cliente, mesa, sin_catalogo.json()["id"]) == alta.json()["mesa_actual"]
    )

    renombrado = await eventos.publicar(
        ORGANISMO, _organismo(mesa, "ORGANISMO RENOMBRADO"), mesa.organismo_id, 2
    )
    await eventos.consumidos(renombrado)
    actual = await _mesa_actual(cliente, mesa, alta.json()["id"])
    assert actual is not None
    assert actual["organismo"]["nombre"] == "ORGANISMO RENOMBRADO"


async def test_un_evento_del_catalogo_atrasado_o_repetido_no_deshace_uno_mas_nuevo(
    cliente: httpx.AsyncClient, mesa, eventos
) -> None:
    alta = (await cliente.post("/api/v1/expedientes", json=DATOS, headers=mesa.headers())).json()
    # auth renamed the desk twice and its organismo once; the bus delivers the newest first
    nueva = await eventos.publicar(MESA, _mesa(mesa, "Mesa Nueva", "ORG NUEVO", 2), mesa.id, 3)
    await eventos.consumidos(nueva)
    vieja = await eventos.publicar(MESA, _mesa(mesa, "Mesa Vieja", "ORG VIEJO", 1), mesa.id, 2)
    org_viejo = await eventos.publicar(
        ORGANISMO, _organismo(mesa, "ORG VIEJO"), mesa.organismo_id, 1
    )
    await eventos.repetir(nueva)
    await eventos.consumidos(vieja, org_viejo, nueva)
    assert await _mesa_actual(cliente, mesa, alta["id"]) == {
        "id": str(mesa.id),
        "nombre": "Mesa Nueva",
        "organismo": {"id": str(mesa.organismo_id), "codigo": mesa.codigo, "nombre": "ORG NUEVO"},
    }


async def test_un_evento_del_catalogo_sin_version_va_a_la_cola_de_descarte(
    cliente: httpx.AsyncClient, mesa, eventos, infra: TestInfra
) -> None:
    alta = (await cliente.post("/api/v1/expedientes", json=DATOS, headers=mesa.headers())).json()
    sin_version = await eventos.publicar(MESA, _mesa(mesa, "Sin Version", "ORG", 1), mesa.id, None)
    con_version = await eventos.publicar(MESA, _mesa(mesa, "Con Version", "ORG", 1), mesa.id, 1)
    await eventos.consumidos(con_version)
    actual = await _mesa_actual(cliente, mesa, alta["id"])
    assert actual is not None
    assert actual["nombre"] == "Con Version"
    assert await _en_la_cola_de_descarte(infra, str(sin_version.id))


async def _en_la_cola_de_descarte(infra: TestInfra, event_id: str) -> bool:
    """An event that cannot be ordered is dead-lettered at once (it is not retried)."""
    connection = await aio_pika.connect_robust(infra.amqp_url)
    try:
        channel = await connection.channel()
        dlq = await channel.get_queue("expedientes.dlq", ensure=True)
        async with asyncio.timeout(10):
            while True:
                # Unacked, other tests' dead letters go back to the queue when we disconnect.
                message = await dlq.get(no_ack=False, fail=False)
                if message is None:
                    await asyncio.sleep(0.1)
                elif json.loads(message.body)["id"] == event_id:
                    return True
    finally:
        await connection.close()
