"""Every pase action and every refusal leaves its audit record."""

from __future__ import annotations

import uuid

from pases_ayudas import Escenario


async def test_envio_rechazado_registra_un_denegado_por_cada_expediente(
    escenario: Escenario, escuchar
) -> None:
    escucha = await escuchar("sigexp.acceso.registrado.v1")
    origen, destino, otra = await escenario.mesa(), await escenario.mesa(), await escenario.mesa()
    bueno, ajeno = await escenario.expediente(origen), await escenario.expediente(otra)
    usuario_id = uuid.uuid4()

    r = await escenario.enviar(
        origen, destino, [bueno, ajeno], headers=escenario.headers(origen, usuario_id=usuario_id)
    )

    assert r.status_code == 409
    eventos = await escucha(
        lambda evs: sum(e["data"]["usuario_id"] == str(usuario_id) for e in evs) >= 2
    )
    propios = [e["data"] for e in eventos if e["data"]["usuario_id"] == str(usuario_id)]
    por_expediente = {d["expediente_id"]: d for d in propios if d["expediente_id"]}
    assert set(por_expediente) == {str(ajeno)}
    denegado = por_expediente[str(ajeno)]
    assert (denegado["accion"], denegado["resultado"]) == ("pase.enviar", "DENEGADO")
    assert denegado["detalle"]["razon"] == "no está en poder de su mesa"
    assert any(d["expediente_id"] is None and d["resultado"] == "DENEGADO" for d in propios)


async def test_envio_y_recepcion_quedan_registrados(escenario: Escenario, escuchar) -> None:
    escucha = await escuchar("sigexp.acceso.registrado.v1")
    origen, destino = await escenario.mesa(), await escenario.mesa()
    expediente = await escenario.expediente(origen)
    envio = (await escenario.enviar(origen, destino, [expediente])).json()
    ajeno = await escenario.cliente.post(
        f"/api/v1/pases/{envio['pases'][0]['id']}/recepcion",
        json={},
        headers=escenario.headers(origen),
    )
    assert ajeno.status_code == 404
    await escenario.cliente.post(
        f"/api/v1/pases/{envio['pases'][0]['id']}/recepcion",
        json={"fojas": 1},
        headers=escenario.headers(destino),
    )

    def registros(evs: list[dict]) -> set[tuple[str, str]]:
        return {
            (e["data"]["accion"], e["data"]["resultado"])
            for e in evs
            if e["data"]["recurso"] == f"pase/{envio['pases'][0]['id']}"
        }

    eventos = await escucha(lambda evs: len(registros(evs)) == 3)
    assert registros(eventos) == {
        ("pase.enviar", "ok"),
        ("pase.recibir", "DENEGADO"),
        ("pase.recibir", "ok"),
    }
    recibido = next(
        e["data"]
        for e in eventos
        if (e["data"]["accion"], e["data"]["resultado"]) == ("pase.recibir", "ok")
    )
    assert recibido["detalle"] == {"discrepancia": "fojas: se esperaban 3, se contaron 1."}
