"""Internal annotations: added by the holding desk, seen only inside the author's organismo,
deleted only by the author's desk and kept in the list as deleted."""

from __future__ import annotations

import uuid

import httpx


def _url(expediente_id: str, anotacion_id: str | None = None) -> str:
    base = f"/api/v1/expedientes/{expediente_id}/anotaciones"
    return f"{base}/{anotacion_id}" if anotacion_id else base


async def _anotar(
    cliente: httpx.AsyncClient, expediente_id: str, mesa, texto: str, perfil: str = "MESA_ENTRADA"
) -> httpx.Response:
    return await cliente.post(
        _url(expediente_id), json={"texto": texto}, headers=mesa.headers(perfil)
    )


async def _textos(cliente: httpx.AsyncClient, expediente_id: str, headers: dict) -> list:
    r = await cliente.get(_url(expediente_id), headers=headers)
    assert r.status_code == 200, r.text
    return [a["texto"] for a in r.json()["items"]]


async def test_las_anotaciones_no_se_ven_desde_otro_organismo(
    cliente: httpx.AsyncClient, mesa, otra_mesa, acciones, tokens, escucha
) -> None:
    alta = await acciones.alta(mesa)
    async with escucha("sigexp.anotacion.agregada.v1") as recoger:
        r = await _anotar(cliente, alta["id"], mesa, "Falta la firma del director")
        (agregada,) = await recoger(1, lambda e: e["subject"] == alta["id"])
    assert r.status_code == 201, r.text
    assert agregada["data"]["organismo_id"] == str(mesa.organismo_id)
    # The file travels to a desk of another organismo, which then holds it and annotates.
    await acciones.pasar(alta["id"], mesa, otra_mesa)
    assert (
        await _anotar(cliente, alta["id"], otra_mesa, "Recibido sin observaciones")
    ).status_code == 201

    companera = mesa.headers("CONSULTA")  # another user of the author's organismo and desk
    misma_oficina = {
        "Authorization": "Bearer "
        + tokens.token("OFICINA", mesa_id=uuid.uuid4(), organismo_id=mesa.organismo_id)
    }
    autoridad_ajena = otra_mesa.headers("AUTORIDAD")
    assert await _textos(cliente, alta["id"], companera) == ["Falta la firma del director"]
    assert await _textos(cliente, alta["id"], otra_mesa.headers()) == ["Recibido sin observaciones"]
    assert await _textos(cliente, alta["id"], autoridad_ajena) == ["Recibido sin observaciones"]
    # Another desk of the same organismo, out of the file's scope, is refused by the scope rule.
    assert (await cliente.get(_url(alta["id"]), headers=misma_oficina)).status_code == 403


async def test_solo_la_mesa_que_lo_tiene_anota_y_con_perfil_de_mesa(
    cliente: httpx.AsyncClient, mesa, otra_mesa, acciones
) -> None:
    alta = await acciones.alta(mesa)
    await acciones.pasar(alta["id"], mesa, otra_mesa, permiso="LECTURA")
    ya_no_la_tiene = await _anotar(cliente, alta["id"], mesa, "Nota tardía")
    con_lectura = await _anotar(cliente, alta["id"], otra_mesa, "Con lectura también se anota")
    carga = await _anotar(cliente, alta["id"], otra_mesa, "Perfil de carga", "CARGA")
    vacia = await _anotar(cliente, alta["id"], otra_mesa, "   ")
    assert ya_no_la_tiene.status_code == 409
    assert ya_no_la_tiene.json()["detail"].startswith("El expediente está en poder de otra mesa")
    assert con_lectura.status_code == 201
    assert carga.status_code == 403
    assert (vacia.status_code, vacia.json()["errors"][0]["campo"]) == (422, "texto")


async def test_eliminar_la_deja_marcada_como_eliminada_y_solo_la_mesa_autora_puede(
    cliente: httpx.AsyncClient, mesa, otra_mesa, acciones, tokens, escucha
) -> None:
    alta = await acciones.alta(mesa)
    nota = (await _anotar(cliente, alta["id"], mesa, "Nota a borrar")).json()
    await acciones.pasar(alta["id"], mesa, otra_mesa)
    misma_org_otra_mesa = {
        "Authorization": "Bearer "
        + tokens.token("MESA_ENTRADA", mesa_id=otra_mesa.id, organismo_id=mesa.organismo_id)
    }
    ajena = await cliente.delete(_url(alta["id"], nota["id"]), headers=otra_mesa.headers())
    no_autora = await cliente.delete(_url(alta["id"], nota["id"]), headers=misma_org_otra_mesa)
    async with escucha("sigexp.anotacion.eliminada.v1") as recoger:
        borrada = await cliente.delete(
            _url(alta["id"], nota["id"]), headers=mesa.headers("OFICINA")
        )
        (eliminada,) = await recoger(1, lambda e: e["subject"] == alta["id"])
    otra_vez = await cliente.delete(_url(alta["id"], nota["id"]), headers=mesa.headers())
    assert eliminada["data"]["anotacion_id"] == nota["id"]

    assert ajena.status_code == 404  # another organismo's note is not there for it
    assert no_autora.status_code == 403
    assert borrada.status_code == 204
    assert otra_vez.status_code == 409
    (vista,) = (await cliente.get(_url(alta["id"]), headers=mesa.headers())).json()["items"]
    assert (vista["id"], vista["eliminada"], vista["texto"]) == (nota["id"], True, None)
    historial = await cliente.get(
        f"/api/v1/expedientes/{alta['id']}/historial", headers=mesa.headers()
    )
    notas = [e for e in historial.json()["items"] if e["accion"].startswith("anotacion.")]
    assert [e["accion"] for e in notas] == ["anotacion.agregada", "anotacion.eliminada"]
    assert all("texto" not in e["detalle"] for e in notas)  # the timeline is seen more widely
