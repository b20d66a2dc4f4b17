"""Expedientes names desks from its own copy of auth's catalogue, kept by events."""

from __future__ import annotations

import httpx

from sigexp_common.broker import Broker
from sigexp_common.envelope import Envelope
from sigexp_common.testing.waiting import wait_until

DATOS = {"extracto": "Pedido de informe", "tomos": 1, "fojas": 1}


async def _publicar(bus: Broker, tipo: str, datos: dict[str, object]) -> None:
    evento = Envelope(source="/sigexp/auth", type=tipo, subject=str(datos["id"]), data=datos)
    await bus.publish(evento.to_bytes(), tipo, message_id=str(evento.id))


async def test_el_expediente_nombra_su_mesa_actual_y_sigue_los_cambios_del_catalogo(
    cliente: httpx.AsyncClient, mesa, bus: Broker
) -> None:
    sin_catalogo = await cliente.post("/api/v1/expedientes", json=DATOS, headers=mesa.headers())
    assert sin_catalogo.json()["mesa_actual"] is None  # the desk's event has not arrived yet

    await _publicar(
        bus,
        "sigexp.mesa.actualizada.v1",
        {
            "id": str(mesa.id),
            "codigo": "PRUEBA-MESA",
            "nombre": "Mesa de Entradas de Prueba",
            "organismo_id": str(mesa.organismo_id),
            "organismo_codigo": mesa.codigo,
            "organismo_nombre": "ORGANISMO DE PRUEBA",
            "es_oficina": False,
            "activo": True,
        },
    )
    url = f"/api/v1/expedientes/{sin_catalogo.json()['id']}"

    async def nombrada() -> bool:
        r = await cliente.get(url, headers=mesa.headers())
        return r.json()["mesa_actual"] is not None

    await wait_until(nombrada)
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

    await _publicar(
        bus,
        "sigexp.organismo.actualizado.v1",
        {"id": str(mesa.organismo_id), "codigo": mesa.codigo, "nombre": "ORGANISMO RENOMBRADO"},
    )

    async def renombrado() -> bool:
        r = await cliente.get(url, headers=mesa.headers())
        return r.json()["mesa_actual"]["organismo"]["nombre"] == "ORGANISMO RENOMBRADO"

    await wait_until(renombrado)
