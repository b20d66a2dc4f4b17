"""Catalogue: listings, CSV/YAML import (atomic, idempotent, rows named), events, demo."""

from __future__ import annotations

import asyncio
import textwrap

import pytest
from auth_ayudas import nombre_unico, sesion_db

from auth.comandos import importar_catalogo, republicar_catalogo
from auth.demo import DEMO_PASSWORD, USUARIOS_DEMO, DemoEnProduccion, cargar_demo
from auth.main import build_spec

CSV_OK = textwrap.dedent(
    """\
    entidad,codigo,nombre,nombre_corto,organismo_codigo,es_oficina,activo
    organismo,{org},ORGANISMO DE PRUEBA {org} (FICTICIO),OP{org},,,
    mesa,M-{org},Mesa de Entradas {org},,{org},no,si
    mesa,O-{org},Oficina Técnica {org},,{org},si,
    dependencia,D-{org},Dirección de Ensayos {org},,{org},,
    tipo,T_{org},Tipo de prueba {org},,,,
    """
)


def _archivo(nombre: str, contenido: str) -> dict[str, tuple[str, bytes, str]]:
    return {"archivo": (nombre, contenido.encode(), "application/octet-stream")}


async def _importar(api, nombre: str, contenido: str):
    return await api.client.post(
        "/api/v1/catalogo/importar", files=_archivo(nombre, contenido), headers=await api.admin()
    )


def _codigo_nuevo() -> str:
    return str(880000 + int(nombre_unico("")[:5], 16) % 99999)


async def test_listados_del_catalogo_de_demo(api, client):
    cabecera = await api.admin()
    orgs = (await client.get("/api/v1/catalogo/organismos", headers=cabecera)).json()["items"]
    cap = next(o for o in orgs if o["codigo"] == "100111")
    assert cap["nombre"] == "CONSEJO AGRARIO PROVINCIAL (AUTÁRQUICO)"
    assert set(cap) >= {"id", "codigo", "nombre", "nombre_corto", "activo"}
    assert any(o["nombre"] == "MINISTERIO SECRETARÍA GENERAL DE LA GOBERNACIÓN" for o in orgs)
    assert any("(FICTICIO)" in o["nombre"] for o in orgs)
    mesas = (await client.get("/api/v1/catalogo/mesas", headers=cabecera)).json()["items"]
    mesa = next(m for m in mesas if m["nombre"] == "CAP - Mesa de Entradas y Salidas")
    assert mesa["organismo_id"] == cap["id"]
    assert mesa["organismo"] == {"id": cap["id"], "codigo": "100111", "nombre": cap["nombre"]}
    assert mesa["es_oficina"] is False
    oficinas = await client.get(
        "/api/v1/catalogo/mesas", params={"es_oficina": "true"}, headers=cabecera
    )
    assert oficinas.json()["items"]
    assert all(m["es_oficina"] for m in oficinas.json()["items"])
    tipos = await client.get("/api/v1/catalogo/tipos", params={"q": "licit"}, headers=cabecera)
    assert tipos.json()["items"] == [
        {"codigo": "LICITACION", "nombre": "LICITACIÓN", "activo": True}
    ]
    deps = await client.get(
        "/api/v1/catalogo/dependencias", params={"organismo_id": cap["id"]}, headers=cabecera
    )
    assert deps.json()["items"]
    assert all(d["organismo_id"] == cap["id"] for d in deps.json()["items"])


async def test_importar_csv_crea_y_reimportar_no_cambia_nada(api, escuchar):
    escucha = await escuchar("sigexp.organismo.#", "sigexp.mesa.#", "sigexp.tipo.#")
    org = _codigo_nuevo()
    csv = CSV_OK.format(org=org)
    r = await _importar(api, "catalogo.csv", csv)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["formato"] == "csv"
    assert (body["creados"], body["actualizados"]) == (5, 0)
    assert body["mesas"]["creados"] == 2
    eventos = await escucha(10, lambda ev: sum(org in str(e["data"]) for e in ev) >= 4)
    tipos = {e["type"] for e in eventos if org in str(e["data"])}
    assert {
        "sigexp.organismo.actualizado.v1",
        "sigexp.mesa.actualizada.v1",
        "sigexp.tipo.actualizado.v1",
    } <= tipos
    again = await _importar(api, "catalogo.csv", csv)
    assert again.status_code == 200
    assert (again.json()["creados"], again.json()["actualizados"]) == (0, 0)
    assert again.json()["sin_cambios"] == 5
    # A change of one row updates exactly that row.
    cambiado = csv.replace(f"Oficina Técnica {org}", f"Oficina Técnica Renombrada {org}")
    r = await _importar(api, "catalogo.csv", cambiado)
    assert (r.json()["creados"], r.json()["actualizados"]) == (0, 1)


async def test_cada_cambio_del_catalogo_sube_la_version_que_viaja_en_sus_eventos(api, escuchar):
    escucha = await escuchar("sigexp.organismo.#", "sigexp.mesa.#")
    org = _codigo_nuevo()
    csv = CSV_OK.format(org=org)
    assert (await _importar(api, "catalogo.csv", csv)).status_code == 200
    renombrada = csv.replace(f"Mesa de Entradas {org}", f"Mesa de Entradas Renombrada {org}")
    assert (await _importar(api, "catalogo.csv", renombrada)).status_code == 200
    assert (await _importar(api, "catalogo.csv", renombrada)).status_code == 200  # no change
    otro_nombre = renombrada.replace(f"ORGANISMO DE PRUEBA {org}", f"ORGANISMO RENOMBRADO {org}")
    assert (await _importar(api, "catalogo.csv", otro_nombre)).status_code == 200

    def de_la_mesa(eventos):
        return [
            e
            for e in eventos
            if e["type"] == "sigexp.mesa.actualizada.v1" and e["data"]["codigo"] == f"M-{org}"
        ]

    def del_organismo(eventos):
        return [
            e
            for e in eventos
            if e["type"] == "sigexp.organismo.actualizado.v1" and e["data"]["codigo"] == org
        ]

    eventos = await escucha(10, lambda ev: len(de_la_mesa(ev)) >= 2 and len(del_organismo(ev)) >= 2)
    assert [(e["sequence"], e["data"]["organismo_version"]) for e in de_la_mesa(eventos)] == [
        (1, 1),
        (2, 1),
    ]
    assert [e["sequence"] for e in del_organismo(eventos)] == [1, 2]
    assert del_organismo(eventos)[1]["data"]["nombre"].startswith(f"ORGANISMO RENOMBRADO {org}")


async def test_importar_yaml_con_punto_y_coma_y_mismos_conteos(api, client):
    org = _codigo_nuevo()
    yaml_texto = textwrap.dedent(
        f"""\
        organismos:
          - codigo: {org}
            nombre: ORGANISMO YAML {org} (FICTICIO)
        mesas:
          - codigo: MY-{org}
            organismo_codigo: "{org}"
            nombre: Mesa YAML {org}
            es_oficina: false
        tipos:
          - codigo: ty_{org}
            nombre: Tipo YAML
        """
    )
    r = await _importar(api, "catalogo.yaml", yaml_texto)
    assert r.status_code == 200, r.text
    assert r.json()["creados"] == 3
    tipos = await client.get(
        "/api/v1/catalogo/tipos", params={"q": f"ty_{org}"}, headers=await api.admin()
    )
    assert tipos.json()["items"][0]["codigo"] == f"TY_{org}"
    r = await _importar(api, "catalogo.yml", yaml_texto)
    assert (r.json()["creados"], r.json()["actualizados"]) == (0, 0)


async def _sin_cambios_en_la_base(api, org: str) -> None:
    orgs = await api.client.get(
        "/api/v1/catalogo/organismos", params={"q": org}, headers=await api.admin()
    )
    assert orgs.json()["items"] == []


async def test_csv_con_columna_desconocida_se_rechaza_entero(api):
    org = _codigo_nuevo()
    csv = CSV_OK.format(org=org).replace("es_oficina", "oficina")
    r = await _importar(api, "catalogo.csv", csv)
    assert r.status_code == 422
    assert r.json()["errors"][0]["campo"] == "fila 1: oficina"
    await _sin_cambios_en_la_base(api, org)


async def test_csv_con_organismo_desconocido_nombra_la_fila(api):
    org = _codigo_nuevo()
    csv = CSV_OK.format(org=org) + f"mesa,MX-{org},Mesa huérfana,,777777777,,\n"
    r = await _importar(api, "catalogo.csv", csv)
    assert r.status_code == 422
    errores = r.json()["errors"]
    assert errores == [
        {
            "campo": "fila 7: organismo_codigo",
            "mensaje": "El organismo 777777777 no existe (ni en el archivo ni cargado).",
        }
    ]
    assert "no se importó nada" in r.json()["detail"]
    await _sin_cambios_en_la_base(api, org)


async def test_csv_con_codigo_duplicado_nombra_la_fila(api):
    org = _codigo_nuevo()
    csv = CSV_OK.format(org=org) + f"tipo,T_{org},Otro nombre,,,,\n"
    r = await _importar(api, "catalogo.csv", csv)
    assert r.status_code == 422
    assert r.json()["errors"][0]["campo"] == "fila 7: codigo"
    assert "ya aparece en la fila 6" in r.json()["errors"][0]["mensaje"]
    await _sin_cambios_en_la_base(api, org)


async def test_yaml_con_organismo_desconocido_nombra_la_linea(api):
    org = _codigo_nuevo()
    yaml_texto = textwrap.dedent(
        f"""\
        organismos:
          - codigo: "{org}"
            nombre: BIEN (FICTICIO)
        mesas:
          - codigo: MY-{org}
            organismo_codigo: "666666"
            nombre: Mesa huérfana
        """
    )
    r = await _importar(api, "catalogo.yaml", yaml_texto)
    assert r.status_code == 422
    assert r.json()["errors"][0]["campo"] == "fila 5: organismo_codigo"
    await _sin_cambios_en_la_base(api, org)


async def test_archivo_invalido_o_de_otro_tipo_responde_claro(api, client):
    r = await _importar(api, "catalogo.yaml", "organismos: [\n")
    assert r.status_code == 422
    assert "mal formado" in r.json()["detail"]
    r = await _importar(api, "catalogo.txt", "hola")
    assert r.status_code == 415
    r = await client.post("/api/v1/catalogo/importar", json={"x": 1}, headers=await api.admin())
    assert r.status_code == 400
    r = await api.client.post(
        "/api/v1/catalogo/importar",
        files={"archivo": ("c.csv", "entidad,codigo\n".encode("utf-16"), "text/csv")},
        headers=await api.admin(),
    )
    assert r.status_code == 422
    assert "UTF-8" in r.json()["detail"]


async def test_solo_admin_importa(api, client):
    cuenta = await api.crear_usuario()
    token = await api.token(cuenta.usuario, cuenta.password)
    r = await client.post(
        "/api/v1/catalogo/importar",
        files=_archivo("c.csv", "entidad,codigo,nombre\n"),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 403


async def test_comando_importar_catalogo(api, auth_settings, tmp_path, client):
    org = _codigo_nuevo()
    ruta = tmp_path / "catalogo.csv"
    ruta.write_text(CSV_OK.format(org=org), encoding="utf-8")
    await asyncio.to_thread(importar_catalogo, build_spec(auth_settings), [str(ruta)])
    orgs = await client.get(
        "/api/v1/catalogo/organismos", params={"q": org}, headers=await api.admin()
    )
    assert len(orgs.json()["items"]) == 1
    malo = tmp_path / "malo.csv"
    malo.write_text("entidad,codigo,nombre\nmesa,X,Sin organismo\n", encoding="utf-8")
    with pytest.raises(SystemExit):
        await asyncio.to_thread(importar_catalogo, build_spec(auth_settings), [str(malo)])


async def test_demo_es_idempotente_y_sus_usuarios_ingresan(api, auth_settings):
    async with sesion_db(auth_settings) as db:
        usuarios = await cargar_demo(db, auth_settings)
    assert len(usuarios) == len(USUARIOS_DEMO) == 10
    perfiles = {(c.perfil, c.mesa.organismo.codigo if c.mesa else None) for c, _ in usuarios}
    for perfil in ("MESA_ENTRADA", "OFICINA", "CARGA", "CONSULTA"):
        assert (perfil, "100111") in perfiles
        assert (perfil, "100200") in perfiles
    assert ("ADMIN", None) in perfiles
    assert ("AUTORIDAD", None) in perfiles
    for demo in ("mesa.cap", "consulta.sgg", "autoridad.demo"):
        r = await api.login(demo, DEMO_PASSWORD)
        assert r.status_code == 200
        assert r.json()["debe_cambiar_password"] is False


async def test_demo_se_niega_en_produccion(auth_settings):
    produccion = auth_settings.model_copy(update={"env": "production"})
    async with sesion_db(auth_settings) as db:
        with pytest.raises(DemoEnProduccion):
            await cargar_demo(db, produccion)


async def test_comando_republicar_catalogo_envia_cada_mesa_otra_vez(api, auth_settings, escuchar):
    escucha = await escuchar("sigexp.mesa.actualizada.v1")
    await asyncio.to_thread(republicar_catalogo, build_spec(auth_settings), [])
    eventos = await escucha(10, lambda ev: any(e["data"]["codigo"] == "CAP-MESA" for e in ev))
    nombres = {e["data"]["nombre"] for e in eventos}
    assert "CAP - Mesa de Entradas y Salidas" in nombres
