"""Every action and read on an expediente, and every refusal, leaves its audit record
(`sigexp.acceso.registrado.v1`) with the accion names of the contracts."""

from __future__ import annotations

import uuid

import httpx

ACCESO = "sigexp.acceso.registrado.v1"


async def test_cada_accion_lectura_y_rechazo_deja_su_registro(
    cliente: httpx.AsyncClient, mesa, otra_mesa, acciones, escucha
) -> None:
    clerk, ajeno, admin = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    yo = mesa.headers("MESA_ENTRADA", usuario_id=clerk)
    alta = await acciones.alta(mesa)
    reservado = await acciones.alta(mesa, caracter="RESERVADO")
    base = f"/api/v1/expedientes/{alta['id']}"
    async with escucha(ACCESO) as recoger:
        assert (await cliente.patch(base, json={"fojas": 12}, headers=yo)).status_code == 200
        assert (await cliente.get(f"{base}/historial", headers=yo)).status_code == 200
        assert (await cliente.get(f"{base}/caratula.pdf", headers=yo)).status_code == 200
        nota = await cliente.post(f"{base}/anotaciones", json={"texto": "Nota"}, headers=yo)
        assert (await cliente.get(f"{base}/anotaciones", headers=yo)).status_code == 200
        borrar = await cliente.delete(f"{base}/anotaciones/{nota.json()['id']}", headers=yo)
        assert borrar.status_code == 204
        pedida = await cliente.post(
            f"{base}/solicitudes-baja", json={"motivo": "Duplicado"}, headers=yo
        )
        decidida = await cliente.post(
            f"/api/v1/solicitudes-baja/{pedida.json()['id']}/aprobar",
            json={},
            headers=mesa.headers("ADMIN", usuario_id=admin),
        )
        assert decidida.status_code == 200
        anulado = await cliente.patch(base, json={"fojas": 13}, headers=yo)
        assert anulado.status_code == 409
        fuera = otra_mesa.headers("MESA_ENTRADA", usuario_id=ajeno)
        urls = (
            f"/api/v1/expedientes/{reservado['id']}/historial",
            f"/api/v1/expedientes/{reservado['id']}/caratula.pdf",
            f"{base}/historial",
        )
        for url in urls:
            assert (await cliente.get(url, headers=fuera)).status_code in (403, 404)
        registros = await recoger(
            12, lambda e: e["data"]["usuario_id"] in {str(clerk), str(ajeno), str(admin)}
        )

    hechos = [
        (r["data"]["accion"], r["data"]["resultado"], r["data"]["expediente_id"]) for r in registros
    ]
    exp, res = alta["id"], reservado["id"]
    assert sorted(hechos) == sorted(
        [
            ("expediente.editar", "ok", exp),
            ("expediente.ver_historial", "ok", exp),
            ("expediente.ver_caratula", "ok", exp),
            ("anotacion.agregar", "ok", exp),
            ("anotacion.listar", "ok", exp),
            ("anotacion.eliminar", "ok", exp),
            ("baja.solicitar", "ok", exp),
            ("baja.aprobar", "ok", exp),
            ("expediente.editar", "DENEGADO", exp),
            ("expediente.ver_historial", "DENEGADO", res),
            ("expediente.ver_caratula", "DENEGADO", res),
            ("expediente.ver_historial", "DENEGADO", exp),
        ]
    )
