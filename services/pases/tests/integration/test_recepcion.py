"""At the destination desk: reception (one, many, by scanned code), discrepancies, rejection."""

from __future__ import annotations

import uuid

from pases_ayudas import Escenario


async def _enviado(
    escenario: Escenario, n: int = 1, **campos: object
) -> tuple[uuid.UUID, uuid.UUID, list[uuid.UUID], dict]:
    origen, destino = await escenario.mesa(), await escenario.mesa()
    ids = [await escenario.expediente(origen, fojas=10, tomos=1) for _ in range(n)]
    r = await escenario.enviar(origen, destino, ids, **campos)
    assert r.status_code == 201, r.text
    return origen, destino, ids, r.json()


async def test_la_mesa_de_destino_recibe_y_queda_como_tenedora(
    escenario: Escenario, escuchar
) -> None:
    escucha = await escuchar("sigexp.pase.recibido.v1", "sigexp.custodia.actualizada.v1")
    origen, destino, (expediente,), envio = await _enviado(escenario, fojas_agregadas=2)
    pase_id = envio["pases"][0]["id"]

    r = await escenario.cliente.post(
        f"/api/v1/pases/{pase_id}/recepcion", json={}, headers=escenario.headers(destino)
    )

    assert r.status_code == 200, r.text
    assert (r.json()["estado"], r.json()["discrepancia"]) == ("RECIBIDO", None)
    assert r.json()["recibido_en"] is not None
    tenencia = await escenario.tenencia(expediente)
    assert (tenencia.mesa_id, tenencia.en_transito, tenencia.version) == (destino, False, 3)
    assert (tenencia.mesa_origen_id, tenencia.fojas) == (origen, 12)
    eventos = await escucha(
        lambda evs: (
            {(e["type"], e["sequence"]) for e in evs if e["subject"] == str(expediente)}
            >= {("sigexp.pase.recibido.v1", 3), ("sigexp.custodia.actualizada.v1", 3)}
        )
    )
    recibido = next(
        e
        for e in eventos
        if (e["type"], e["subject"]) == ("sigexp.pase.recibido.v1", str(expediente))
    )
    assert recibido["data"]["pase_id"] == pase_id
    assert recibido["data"]["fojas_agregadas"] == 2
    assert recibido["data"]["discrepancia"] is None
    assert recibido["data"]["por_mesa_id"] == str(destino)


async def test_recepcion_de_pase_ajeno_es_404(escenario: Escenario) -> None:
    origen, destino, (expediente,), envio = await _enviado(escenario)
    pase_id = envio["pases"][0]["id"]
    for mesa in (origen, await escenario.mesa()):  # the sender and a third desk
        for accion, cuerpo in (("recepcion", {}), ("rechazo", {"motivo": "no es nuestro"})):
            r = await escenario.cliente.post(
                f"/api/v1/pases/{pase_id}/{accion}", json=cuerpo, headers=escenario.headers(mesa)
            )
            assert r.status_code == 404, (mesa, accion)
            assert r.json()["detail"] == "El pase no existe."
    r = await escenario.cliente.post(
        f"/api/v1/pases/{uuid.uuid4()}/recepcion", json={}, headers=escenario.headers(destino)
    )
    assert r.status_code == 404
    assert (await escenario.tenencia(expediente)).en_transito is True


async def test_recepcion_con_conteo_distinto_registra_la_discrepancia_y_se_recibe(
    escenario: Escenario, escuchar
) -> None:
    escucha = await escuchar("sigexp.pase.recibido.v1")
    _, destino, (expediente,), envio = await _enviado(
        escenario, fojas_agregadas=5, tomos_agregados=1
    )
    pase_id = envio["pases"][0]["id"]

    r = await escenario.cliente.post(
        f"/api/v1/pases/{pase_id}/recepcion",
        json={"fojas": 14, "tomos": 2},
        headers=escenario.headers(destino),
    )

    assert r.status_code == 200, r.text
    pase = r.json()
    assert pase["estado"] == "RECIBIDO"
    assert pase["discrepancia"] == "fojas: se esperaban 15, se contaron 14."
    assert (pase["fojas_contadas"], pase["tomos_contados"]) == (14, 2)
    assert (await escenario.tenencia(expediente)).mesa_id == destino
    eventos = await escucha(lambda evs: any(e["subject"] == str(expediente) for e in evs))
    datos = eventos[-1]["data"]
    assert (datos["fojas_contadas"], datos["tomos_contadas"]) == (14, 2)
    assert datos["discrepancia"] == pase["discrepancia"]


async def test_un_pase_recibido_no_se_recibe_ni_se_rechaza_otra_vez(escenario: Escenario) -> None:
    _, destino, _, envio = await _enviado(escenario)
    url = f"/api/v1/pases/{envio['pases'][0]['id']}"
    headers = escenario.headers(destino)
    assert (await escenario.cliente.post(f"{url}/recepcion", json={}, headers=headers)).is_success
    otra = await escenario.cliente.post(f"{url}/recepcion", json={}, headers=headers)
    assert otra.status_code == 409
    assert otra.json()["detail"] == "El pase ya está recibido: no se puede recibir."
    rechazo = await escenario.cliente.post(
        f"{url}/rechazo", json={"motivo": "tarde"}, headers=headers
    )
    assert rechazo.status_code == 409


async def test_recepcion_por_el_codigo_de_un_remito_recibe_todos_sus_pases(
    escenario: Escenario,
) -> None:
    _, destino, ids, envio = await _enviado(escenario, n=3)
    codigo = envio["remito"]["codigo_verificacion"]

    r = await escenario.cliente.post(
        "/api/v1/mesa/recepciones",
        json={"items": [{"codigo": codigo}]},
        headers=escenario.headers(destino),
    )

    assert r.status_code == 200, r.text
    (item,) = r.json()["items"]
    assert (item["status"], item["codigo"]) == (200, codigo)
    assert sorted(p["expediente_id"] for p in item["pases"]) == sorted(str(i) for i in ids)
    assert {p["estado"] for p in item["pases"]} == {"RECIBIDO"}
    for expediente in ids:
        assert (await escenario.tenencia(expediente)).en_transito is False
    # the same remito scanned again: nothing left to receive
    r = await escenario.cliente.post(
        "/api/v1/mesa/recepciones",
        json={"items": [{"codigo": f"http://127.0.0.1:8000/api/v1/remitos/verificar/{codigo}"}]},
        headers=escenario.headers(destino),
    )
    assert r.json()["items"][0]["status"] == 409


async def test_recepcion_por_la_url_del_qr_del_remito(escenario: Escenario) -> None:
    _, destino, _, envio = await _enviado(escenario, n=2)
    url = (
        f"https://sigexp.example/api/v1/remitos/verificar/{envio['remito']['codigo_verificacion']}"
    )
    r = await escenario.cliente.post(
        "/api/v1/mesa/recepciones",
        json={"items": [{"codigo": url}]},
        headers=escenario.headers(destino),
    )
    assert r.json()["items"][0]["status"] == 200, r.text
    assert len(r.json()["items"][0]["pases"]) == 2


async def test_el_remito_de_otra_mesa_no_se_recibe(escenario: Escenario) -> None:
    _, _, ids, envio = await _enviado(escenario)
    r = await escenario.cliente.post(
        "/api/v1/mesa/recepciones",
        json={"items": [{"codigo": envio["remito"]["codigo_verificacion"]}]},
        headers=escenario.headers(await escenario.mesa()),
    )
    assert r.json()["items"][0]["status"] == 404
    assert (await escenario.tenencia(ids[0])).en_transito is True


async def test_recepcion_por_el_codigo_de_la_caratula_con_su_conteo(escenario: Escenario) -> None:
    _, destino, (expediente,), _ = await _enviado(escenario)
    r = await escenario.cliente.post(
        "/api/v1/mesa/recepciones",
        json={"items": [{"codigo": f"SIGEXP:EXP:{expediente}", "fojas": 9}]},
        headers=escenario.headers(destino),
    )
    (item,) = r.json()["items"]
    assert item["status"] == 200, item
    (pase,) = item["pases"]
    assert (pase["expediente_id"], pase["estado"]) == (str(expediente), "RECIBIDO")
    assert pase["discrepancia"] == "fojas: se esperaban 10, se contaron 9."


async def test_recepcion_masiva_responde_por_cada_item(escenario: Escenario) -> None:
    _, destino, ids, envio = await _enviado(escenario, n=2)
    primero, segundo = (p["id"] for p in envio["pases"])
    items = [
        {"pase_id": primero, "fojas": 10, "tomos": 1},
        {"pase_id": str(uuid.uuid4())},
        {"pase_id": primero},  # already received by the first item
        {"codigo": f"SIGEXP:EXP:{uuid.uuid4()}"},
        {"codigo": "no-es-un-codigo"},
        {"pase_id": segundo},
    ]
    r = await escenario.cliente.post(
        "/api/v1/mesa/recepciones", json={"items": items}, headers=escenario.headers(destino)
    )
    assert r.status_code == 200, r.text
    assert [i["status"] for i in r.json()["items"]] == [200, 404, 409, 404, 404, 200]
    assert r.json()["items"][2]["detail"] == "El pase ya está recibido: no se puede recibir."
    for expediente in ids:
        tenencia = await escenario.tenencia(expediente)
        assert (tenencia.mesa_id, tenencia.en_transito, tenencia.version) == (destino, False, 3)


async def test_recepcion_masiva_pide_pase_id_o_codigo(escenario: Escenario) -> None:
    destino = await escenario.mesa()
    r = await escenario.cliente.post(
        "/api/v1/mesa/recepciones",
        json={"items": [{"fojas": 3}]},
        headers=escenario.headers(destino),
    )
    assert r.status_code == 422
    assert "Indique pase_id o codigo" in r.json()["errors"][0]["mensaje"]


async def test_el_rechazo_devuelve_la_custodia_al_remitente_como_la_tenia(
    escenario: Escenario, escuchar
) -> None:
    escucha = await escuchar("sigexp.pase.rechazado.v1", "sigexp.custodia.actualizada.v1")
    a, b, c = await escenario.mesa(), await escenario.mesa(), await escenario.mesa()
    expediente = await escenario.expediente(a)
    primero = (await escenario.enviar(a, b, [expediente], permiso="LECTURA")).json()
    await escenario.cliente.post(
        f"/api/v1/pases/{primero['pases'][0]['id']}/recepcion",
        json={},
        headers=escenario.headers(b),
    )
    segundo = (await escenario.enviar(b, c, [expediente], fojas_agregadas=4)).json()
    pase_id = segundo["pases"][0]["id"]

    r = await escenario.cliente.post(
        f"/api/v1/pases/{pase_id}/rechazo",
        json={"motivo": "No corresponde a esta mesa"},
        headers=escenario.headers(c),
    )

    assert r.status_code == 200, r.text
    assert (r.json()["estado"], r.json()["motivo_rechazo"]) == (
        "RECHAZADO",
        "No corresponde a esta mesa",
    )
    tenencia = await escenario.tenencia(expediente)
    assert (tenencia.mesa_id, tenencia.permiso, tenencia.en_transito) == (b, "LECTURA", False)
    assert (tenencia.mesa_origen_id, tenencia.version, tenencia.fojas) == (a, 5, 3)
    eventos = await escucha(
        lambda evs: (
            {(e["type"], e["sequence"]) for e in evs if e["subject"] == str(expediente)}
            >= {("sigexp.pase.rechazado.v1", 5), ("sigexp.custodia.actualizada.v1", 5)}
        )
    )
    rechazado = next(
        e
        for e in eventos
        if (e["type"], e["subject"]) == ("sigexp.pase.rechazado.v1", str(expediente))
    )
    assert rechazado["data"]["motivo"] == "No corresponde a esta mesa"
    assert (rechazado["data"]["mesa_origen_id"], rechazado["data"]["mesa_destino_id"]) == (
        str(b),
        str(c),
    )
    # b holds it again: it may send it elsewhere
    assert (await escenario.enviar(b, a, [expediente])).status_code == 201


async def test_el_rechazo_pide_un_motivo(escenario: Escenario) -> None:
    _, destino, _, envio = await _enviado(escenario)
    r = await escenario.cliente.post(
        f"/api/v1/pases/{envio['pases'][0]['id']}/rechazo",
        json={},
        headers=escenario.headers(destino),
    )
    assert r.status_code == 422
    assert r.json()["errors"] == [{"campo": "motivo", "mensaje": "Es obligatorio."}]


async def test_codigos_escaneados_ilegibles_se_responden_sin_error_interno(
    escenario: Escenario,
) -> None:
    destino = await escenario.mesa()
    codigos = ["SIGEXP:EXP:no-es-un-id", "http://x/api/v1/remitos/verificar/", "x" * 500]
    r = await escenario.cliente.post(
        "/api/v1/mesa/recepciones",
        json={"items": [{"codigo": c} for c in codigos]},
        headers=escenario.headers(destino),
    )
    assert r.status_code == 200, r.text
    assert [i["status"] for i in r.json()["items"]] == [422, 404, 404]
    con_nulo = await escenario.cliente.post(
        "/api/v1/mesa/recepciones",
        json={"items": [{"codigo": "SIGEXP:EXP:1"}, {"codigo": "con\x00nulo"}]},
        headers=escenario.headers(destino),
    )
    assert con_nulo.status_code == 422
    assert con_nulo.json()["errors"] == [
        {
            "campo": "items.1.codigo",
            "mensaje": "No es un código escaneado: tiene caracteres de control.",
        }
    ]
