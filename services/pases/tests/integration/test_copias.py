"""pases' copies of other services' state, kept from their events in version order: each
expediente's data and lifecycle (expedientes), and the catalogue of desks (auth)."""

from __future__ import annotations

from pases_ayudas import Escenario


async def test_un_expediente_archivado_y_luego_reactivado_vuelve_a_enviarse(
    escenario: Escenario,
) -> None:
    origen, destino = await escenario.mesa(), await escenario.mesa()
    expediente = await escenario.expediente(origen)
    await escenario.cambiar_estado(expediente, "ARCHIVADO", 2)
    assert (await escenario.enviar(origen, destino, [expediente])).status_code == 409
    await escenario.cambiar_estado(expediente, "EN_TRAMITE", 3)
    assert (await escenario.enviar(origen, destino, [expediente])).status_code == 201


async def test_una_version_vieja_del_expediente_no_pisa_la_nueva(escenario: Escenario) -> None:
    origen, destino = await escenario.mesa(), await escenario.mesa()
    expediente = await escenario.expediente(origen)
    await escenario.cambiar_estado(expediente, "ANULADO", 3)
    await escenario.cambiar_estado(expediente, "EN_TRAMITE", 2)  # older, delivered late
    r = await escenario.enviar(origen, destino, [expediente])
    assert r.status_code == 409
    assert r.json()["rechazados"][0]["motivo"] == "está anulado"


async def test_una_mesa_dada_de_baja_deja_de_recibir_pases(escenario: Escenario) -> None:
    origen, destino = await escenario.mesa(), await escenario.mesa()
    expediente = await escenario.expediente(origen)
    await escenario.actualizar_mesa(destino, activa=False, version=2)
    await escenario.actualizar_mesa(destino, activa=True, version=1)  # older, ignored
    r = await escenario.enviar(origen, destino, [expediente])
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"campo": "mesa_destino_id", "mensaje": "La mesa está dada de baja."}
    ]
