"""Expedientes en mesa: what is on its way to the user's desk and what arrived in the last days,
oldest first, with the expediente's summary, origin, time waiting, plazo and overdue flag."""

from __future__ import annotations

import uuid
from datetime import timedelta

import sembrado


def _auth(tokens, perfil: str, mesa_id: uuid.UUID | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.token(perfil, mesa_id=mesa_id)}"}


async def test_en_mesa_lista_lo_que_viene_y_lo_recien_llegado_del_mas_antiguo_al_mas_nuevo(
    servicio, tokens
):
    app, cliente = servicio
    mesa = await sembrado.mesa(app, "Mesa que recibe")
    cap = await sembrado.mesa(app, "CAP - Mesa de Entradas y Salidas")
    sgg = await sembrado.mesa(app, "SGG - Mesa de Entradas y Salidas")
    otra = await sembrado.mesa(app, "Otra mesa")
    atrasado = await sembrado.envio(
        app,
        cap,
        mesa,
        1,
        enviado_en=sembrado.hace(hours=30),
        vence_en=sembrado.hace(hours=2),
        plazo=1,
    )
    en_plazo = await sembrado.envio(
        app,
        sgg,
        mesa,
        1,
        reservados=(0,),
        enviado_en=sembrado.hace(hours=1),
        vence_en=sembrado.hace(hours=-48),
        plazo=2,
    )
    llegado = await sembrado.envio(app, sgg, mesa, 1, enviado_en=sembrado.hace(days=2))
    await sembrado.recibir(app, llegado.pase_ids[0], en=sembrado.hace(days=1), contadas=99)
    viejo = await sembrado.envio(app, cap, mesa, 1, enviado_en=sembrado.hace(days=12))
    await sembrado.recibir(app, viejo.pase_ids[0], en=sembrado.hace(days=10))
    await sembrado.envio(app, cap, otra, 1)  # another desk's

    r = await cliente.get("/api/v1/mesa/en-mesa", headers=_auth(tokens, "MESA_ENTRADA", mesa))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["mesa_id"], body["dias"]) == (str(mesa), 7)
    items = body["items"]
    assert [i["pase"]["id"] for i in items] == [
        str(llegado.pase_ids[0]),
        str(atrasado.pase_ids[0]),
        str(en_plazo.pase_ids[0]),
    ]
    recibido, vencido, pendiente = items
    assert vencido["vencido"] is True
    assert vencido["plazo"] == 1
    assert vencido["origen"] == {"id": str(cap), "nombre": "CAP - Mesa de Entradas y Salidas"}
    assert 30 * 3600 - 60 <= vencido["tiempo_en_mesa"] <= 30 * 3600 + 60
    assert vencido["expediente"]["referencia"] == atrasado.referencias[0]
    assert vencido["expediente"]["extracto"].startswith("Extracto del expediente")
    assert vencido["pase"]["estado"] == "PENDIENTE"
    assert pendiente["vencido"] is False
    assert pendiente["plazo"] == 2
    # The destination desk is within a RESERVADO's scope: it sees the extract.
    assert pendiente["expediente"]["caracter"] == "RESERVADO"
    assert pendiente["expediente"]["extracto"] is not None
    assert recibido["pase"]["estado"] == "RECIBIDO"
    assert recibido["vencido"] is False
    assert recibido["discrepancia"] == "fojas: se esperaban 12, se contaron 99."
    assert 86400 - 60 <= recibido["tiempo_en_mesa"] <= 86400 + 60  # at the desk since arrival

    # A longer window brings the one received ten days ago too.
    r = await cliente.get(
        "/api/v1/mesa/en-mesa", params={"dias": 11}, headers=_auth(tokens, "OFICINA", mesa)
    )
    assert str(viejo.pase_ids[0]) in [i["pase"]["id"] for i in r.json()["items"]]


async def test_en_mesa_es_de_la_propia_mesa_y_autoridad_elige_cual(servicio, tokens):
    app, cliente = servicio
    mesa = await sembrado.mesa(app, "Mesa")
    otra = await sembrado.mesa(app, "Otra")
    envio = await sembrado.envio(app, otra, mesa, 2)
    ajena = await cliente.get(
        "/api/v1/mesa/en-mesa",
        params={"mesa_id": str(mesa)},
        headers=_auth(tokens, "MESA_ENTRADA", otra),
    )
    assert ajena.status_code == 403
    assert ajena.json()["detail"] == "Solo puede consultar su propia mesa."
    sin_mesa = await cliente.get("/api/v1/mesa/en-mesa", headers=_auth(tokens, "AUTORIDAD", None))
    assert sin_mesa.status_code == 422
    autoridad = await cliente.get(
        "/api/v1/mesa/en-mesa",
        params={"mesa_id": str(mesa)},
        headers=_auth(tokens, "AUTORIDAD", None),
    )
    assert autoridad.status_code == 200
    assert {i["pase"]["id"] for i in autoridad.json()["items"]} == {str(p) for p in envio.pase_ids}
    assert (
        await cliente.get(
            "/api/v1/mesa/en-mesa", params={"dias": 0}, headers=_auth(tokens, "MESA_ENTRADA", mesa)
        )
    ).status_code == 422


async def test_un_pase_sin_plazo_nunca_esta_vencido(servicio, tokens):
    app, cliente = servicio
    mesa = await sembrado.mesa(app, "Mesa")
    await sembrado.envio(
        app, await sembrado.mesa(app, "Origen"), mesa, 1, enviado_en=sembrado.hace(days=40)
    )
    r = await cliente.get("/api/v1/mesa/en-mesa", headers=_auth(tokens, "MESA_ENTRADA", mesa))
    (item,) = r.json()["items"]
    assert (item["plazo"], item["vence_en"], item["vencido"]) == (None, None, False)
    assert item["tiempo_en_mesa"] >= timedelta(days=40).total_seconds() - 60
