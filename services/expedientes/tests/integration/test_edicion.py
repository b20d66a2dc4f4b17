"""Editing an expediente: only the desk that holds it, received, with ESCRITURA; fojas and
tomos never decrease; every change keeps its old and new value and is published."""

from __future__ import annotations

import asyncio
import uuid

import httpx

ACTUALIZADO = "sigexp.expediente.actualizado.v1"


async def test_la_mesa_que_lo_tiene_lo_edita_y_queda_el_antes_y_el_despues(
    cliente: httpx.AsyncClient, mesa, acciones, escucha
) -> None:
    alta = await acciones.alta(mesa)
    async with escucha(ACTUALIZADO) as recoger:
        r = await acciones.editar(
            alta["id"],
            mesa,
            "OFICINA",
            extracto="Licitación pública de obra vial, segunda etapa",
            fojas=25,
            numero_gde="ex-2024-12345678- -APN-DGDYD#JGM",
        )
        publicados = await recoger(1, lambda e: e["subject"] == alta["id"])
    assert r.status_code == 200, r.text
    editado = r.json()
    assert (editado["fojas"], editado["version"]) == (25, 2)
    assert editado["numero_gde"] == "EX-2024-12345678- -APN-DGDYD#JGM"
    assert editado["extracto"] == "Licitación pública de obra vial, segunda etapa"

    (evento,) = publicados
    assert evento["sequence"] == 2
    assert evento["data"]["fojas"] == 25
    assert evento["data"]["estado"] == "EN_TRAMITE"
    assert evento["data"]["por_mesa_id"] == str(mesa.id)
    assert {c["campo"]: (c["antes"], c["despues"]) for c in evento["data"]["cambios"]} == {
        "extracto": ("Licitación pública de obra vial", editado["extracto"]),
        "fojas": (10, 25),
        "numero_gde": (None, "EX-2024-12345678- -APN-DGDYD#JGM"),
    }

    historial = await cliente.get(
        f"/api/v1/expedientes/{alta['id']}/historial", headers=mesa.headers("CONSULTA")
    )
    acciones_vistas = [e["accion"] for e in historial.json()["items"]]
    assert acciones_vistas == ["expediente.iniciado", "expediente.editado"]
    cambios = historial.json()["items"][1]["detalle"]["cambios"]
    assert {"campo": "fojas", "antes": 10, "despues": 25} in cambios
    assert (await cliente.get(f"/api/v1/expedientes/{alta['id']}", headers=mesa.headers())).json()[
        "fojas"
    ] == 25


async def test_quien_lo_tiene_con_lectura_no_lo_edita(mesa, otra_mesa, acciones) -> None:
    alta = await acciones.alta(mesa)
    await acciones.pasar(alta["id"], mesa, otra_mesa, permiso="LECTURA")
    r = await acciones.editar(alta["id"], otra_mesa, extracto="Otro extracto")
    assert r.status_code == 409
    assert r.json()["detail"] == (
        "Su mesa tiene el expediente con permiso de LECTURA: no puede modificarlo."
    )


async def test_la_mesa_que_todavia_no_lo_recibio_no_lo_edita_ni_la_que_lo_envio(
    mesa, otra_mesa, acciones, tokens
) -> None:
    tercera = type(mesa)(uuid.uuid4(), uuid.uuid4(), "100999", tokens)
    alta = await acciones.alta(mesa)
    await acciones.custodia(
        alta["id"], otra_mesa.id, [mesa.id], 2, en_transito=True, origen=mesa.id
    )
    destino = await acciones.editar(alta["id"], otra_mesa, extracto="Otro extracto")
    origen = await acciones.editar(alta["id"], mesa, extracto="Otro extracto")
    # The destination knows it is coming (not in its scope yet): told why, not 403.
    assert destino.status_code == 409
    assert destino.json()["detail"] == (
        "Su mesa todavía no recibió el expediente: confirme la recepción antes de modificarlo."
    )
    assert origen.status_code == 409
    assert origen.json()["detail"] == (
        "Su mesa envió el expediente a otra mesa: ya no puede modificarlo."
    )
    # Nor can a third desk that never held it learn anything: the scope rule answers.
    assert (await acciones.editar(alta["id"], tercera, extracto="x" * 5)).status_code == 403

    await acciones.custodia(
        alta["id"], otra_mesa.id, [mesa.id, otra_mesa.id], 3, en_transito=True, origen=mesa.id
    )
    sin_recibir = await acciones.editar(alta["id"], otra_mesa, extracto="Otro extracto")
    assert sin_recibir.status_code == 409
    assert sin_recibir.json()["detail"] == (
        "Su mesa todavía no recibió el expediente: confirme la recepción antes de modificarlo."
    )


async def test_una_mesa_que_lo_tuvo_no_lo_edita_cuando_lo_tiene_otra(
    mesa, otra_mesa, acciones
) -> None:
    alta = await acciones.alta(mesa)
    await acciones.pasar(alta["id"], mesa, otra_mesa)
    r = await acciones.editar(alta["id"], mesa, extracto="Otro extracto")
    assert r.status_code == 409
    assert r.json()["detail"].startswith("El expediente está en poder de otra mesa")
    assert (await acciones.editar(alta["id"], otra_mesa, fojas=11)).status_code == 200


async def test_las_fojas_y_los_tomos_no_bajan_por_una_edicion(mesa, acciones) -> None:
    alta = await acciones.alta(mesa, tomos=2, fojas=40)
    r = await acciones.editar(alta["id"], mesa, fojas=39, tomos=1, extracto="Cambio que no entra")
    assert r.status_code == 422
    assert {e["campo"] for e in r.json()["errors"]} == {"fojas", "tomos"}
    visto = await acciones.cliente.get(f"/api/v1/expedientes/{alta['id']}", headers=mesa.headers())
    assert (visto.json()["fojas"], visto.json()["extracto"], visto.json()["version"]) == (
        40,
        alta["extracto"],
        1,
    )


async def test_el_ciclo_en_revision_archivado_y_reapertura(cliente, mesa, acciones) -> None:
    alta = await acciones.alta(mesa)
    estados = []
    for estado in ("EN_REVISION", "ARCHIVADO"):
        r = await acciones.editar(alta["id"], mesa, estado=estado)
        estados.append((r.status_code, r.json()["estado"]))
    archivado = await acciones.editar(alta["id"], mesa, extracto="Cambio de un archivado")
    reabierto = await acciones.editar(alta["id"], mesa, estado="EN_TRAMITE", fojas=12)
    anular = await acciones.editar(alta["id"], mesa, estado="ANULADO")

    assert estados == [(200, "EN_REVISION"), (200, "ARCHIVADO")]
    assert archivado.status_code == 409
    assert "archivado" in archivado.json()["detail"]
    assert (reabierto.status_code, reabierto.json()["estado"], reabierto.json()["version"]) == (
        200,
        "EN_TRAMITE",
        4,
    )
    assert anular.status_code == 422  # only an approved deletion request annuls
    filtrado = await cliente.get(
        "/api/v1/expedientes", params={"estado": "EN_TRAMITE"}, headers=mesa.headers()
    )
    assert [e["id"] for e in filtrado.json()["items"]] == [alta["id"]]
    historial = await cliente.get(
        f"/api/v1/expedientes/{alta['id']}/historial", headers=mesa.headers()
    )
    cambios_de_estado = [
        (e["detalle"]["antes"], e["detalle"]["despues"])
        for e in historial.json()["items"]
        if e["accion"] == "expediente.estado_cambiado"
    ]
    assert cambios_de_estado == [
        ("EN_TRAMITE", "EN_REVISION"),
        ("EN_REVISION", "ARCHIVADO"),
        ("ARCHIVADO", "EN_TRAMITE"),
    ]


async def test_perfiles_sin_mesa_de_trabajo_no_editan(mesa, acciones) -> None:
    alta = await acciones.alta(mesa)
    for perfil in ("CARGA", "CONSULTA", "AUTORIDAD"):
        r = await acciones.editar(alta["id"], mesa, perfil, extracto="Otro extracto")
        assert r.status_code == 403, perfil


async def test_fuera_de_alcance_publico_es_403_y_reservado_404(mesa, otra_mesa, acciones) -> None:
    publico = await acciones.alta(mesa)
    reservado = await acciones.alta(mesa, caracter="RESERVADO")
    assert (await acciones.editar(publico["id"], otra_mesa, fojas=99)).status_code == 403
    ajeno = await acciones.editar(reservado["id"], otra_mesa, fojas=99)
    inexistente = await acciones.editar(str(uuid.uuid4()), otra_mesa, fojas=99)
    assert (ajeno.status_code, ajeno.json()["detail"]) == (404, "El expediente no existe.")
    assert inexistente.status_code == 404


async def test_datos_invalidos_de_una_edicion_son_422_nombrando_el_campo(mesa, acciones) -> None:
    alta = await acciones.alta(mesa)
    gde = await acciones.editar(alta["id"], mesa, numero_gde="12345")
    tipo = await acciones.editar(alta["id"], mesa, tipo="NO_EXISTE")
    identidad = await acciones.editar(alta["id"], mesa, numero=7)
    assert [e["campo"] for e in gde.json()["errors"]] == ["numero_gde"]
    assert "EX-2024-12345678- -APN-DGDYD#JGM" in gde.json()["errors"][0]["mensaje"]
    assert [e["campo"] for e in tipo.json()["errors"]] == ["tipo"]
    assert [e["campo"] for e in identidad.json()["errors"]] == ["numero"]
    assert {gde.status_code, tipo.status_code, identidad.status_code} == {422}


async def test_reintento_de_una_edicion_con_la_misma_clave_edita_una_vez(mesa, acciones) -> None:
    alta = await acciones.alta(mesa)
    headers = {**mesa.headers(), "Idempotency-Key": str(uuid.uuid4())}
    url = f"/api/v1/expedientes/{alta['id']}"
    primera = await acciones.cliente.patch(url, json={"fojas": 30}, headers=headers)
    segunda = await acciones.cliente.patch(url, json={"fojas": 30}, headers=headers)
    assert segunda.json() == primera.json()
    assert segunda.headers["idempotent-replayed"] == "true"
    assert primera.json()["version"] == 2


async def test_alta_con_numero_gde_lo_guarda_y_lo_publica(
    cliente: httpx.AsyncClient, mesa, acciones, escucha
) -> None:
    async with escucha("sigexp.expediente.iniciado.v1") as recoger:
        alta = await acciones.alta(mesa, numero_gde="EX-2024-12345678- -APN-DGDYD#JGM")
        (iniciado,) = await recoger(1, lambda e: e["subject"] == alta["id"])
    assert (alta["numero_gde"], alta["version"]) == ("EX-2024-12345678- -APN-DGDYD#JGM", 1)
    assert iniciado["sequence"] == 1
    assert iniciado["data"]["numero_gde"] == alta["numero_gde"]
    mal = await cliente.post(
        "/api/v1/expedientes",
        json={"extracto": "Con un número de GDE mal escrito", "numero_gde": "EX-24-1"},
        headers=mesa.headers(),
    )
    assert mal.status_code == 422
    assert [e["campo"] for e in mal.json()["errors"]] == ["numero_gde"]


async def test_ediciones_simultaneas_se_ordenan_y_cada_una_tiene_su_version(
    cliente: httpx.AsyncClient, mesa, acciones
) -> None:
    alta = await acciones.alta(mesa)
    respuestas = await asyncio.gather(
        acciones.editar(alta["id"], mesa, fojas=20),
        acciones.editar(alta["id"], mesa, numero_instrumento="Resolución 12/2024"),
        acciones.editar(alta["id"], mesa, estado="EN_REVISION"),
    )
    assert [r.status_code for r in respuestas] == [200, 200, 200]
    assert sorted(r.json()["version"] for r in respuestas) == [2, 3, 4]
    visto = (await cliente.get(f"/api/v1/expedientes/{alta['id']}", headers=mesa.headers())).json()
    assert (visto["fojas"], visto["numero_instrumento"], visto["estado"], visto["version"]) == (
        20,
        "Resolución 12/2024",
        "EN_REVISION",
        4,
    )
