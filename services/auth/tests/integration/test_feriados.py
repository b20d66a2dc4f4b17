"""The holiday calendar: listing by year, CSV/YAML import (atomic, idempotent, rows named,
ADMIN only), events with a sequence per date, demo holidays of 2026."""

from __future__ import annotations

import random
import textwrap

from auth_ayudas import nombre_unico


def _anio() -> int:
    """A year no other test imports into (the database lives for the whole session)."""
    return random.randint(2030, 2199)


async def _importar(api, nombre: str, contenido: str, headers=None):
    return await api.client.post(
        "/api/v1/catalogo/feriados/importar",
        files={"archivo": (nombre, contenido.encode(), "application/octet-stream")},
        headers=headers or await api.admin(),
    )


async def _del_anio(api, anio: int, headers=None) -> list[dict]:
    r = await api.client.get(
        "/api/v1/catalogo/feriados", params={"anio": anio}, headers=headers or await api.admin()
    )
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def test_cualquier_usuario_lista_los_feriados_nacionales_de_2026_de_la_demo(api):
    cuenta = await api.crear_usuario("CONSULTA")
    cabecera = {"Authorization": f"Bearer {await api.token(cuenta.usuario, cuenta.password)}"}
    items = await _del_anio(api, 2026, cabecera)
    fechas = {i["fecha"]: i for i in items}
    assert fechas["2026-05-25"] == {
        "fecha": "2026-05-25",
        "nombre": "Día de la Revolución de Mayo",
        "activo": True,
    }
    assert {"2026-01-01", "2026-04-03", "2026-07-09", "2026-12-25"} <= set(fechas)
    assert [i["fecha"] for i in items] == sorted(fechas)  # by date
    assert all(f.startswith("2026-") for f in fechas)
    assert (await _del_anio(api, 2027, cabecera)) == []


async def test_importar_csv_publica_cada_fecha_y_reimportar_no_cambia_nada(api, escuchar):
    escucha = await escuchar("sigexp.feriado.#")
    anio = _anio()
    csv = f"fecha,nombre,activo\n{anio}-03-10,Feriado de prueba,si\n11/03/{anio},Otro feriado,\n"
    r = await _importar(api, "feriados.csv", csv)
    assert r.status_code == 200, r.text
    assert r.json() == {"formato": "csv", "creados": 2, "actualizados": 0, "sin_cambios": 0}
    assert [(i["fecha"], i["nombre"]) for i in await _del_anio(api, anio)] == [
        (f"{anio}-03-10", "Feriado de prueba"),
        (f"{anio}-03-11", "Otro feriado"),
    ]
    again = await _importar(api, "feriados.csv", csv)
    assert again.json() == {"formato": "csv", "creados": 0, "actualizados": 0, "sin_cambios": 2}
    # Withdrawing one date publishes it again, inactive, with the next sequence.
    retirado = csv.replace("Otro feriado,", "Otro feriado,no")
    r = await _importar(api, "feriados.csv", retirado)
    assert (r.json()["creados"], r.json()["actualizados"]) == (0, 1)

    def de_la_fecha(eventos, fecha):
        return [e for e in eventos if e["subject"] == fecha]

    fecha = f"{anio}-03-11"
    eventos = await escucha(10, lambda ev: len(de_la_fecha(ev, fecha)) >= 2)
    assert [e["type"] for e in eventos] == ["sigexp.feriado.actualizado.v1"] * 3
    assert [(e["sequence"], e["data"]) for e in de_la_fecha(eventos, fecha)] == [
        (1, {"fecha": fecha, "nombre": "Otro feriado", "activo": True}),
        (2, {"fecha": fecha, "nombre": "Otro feriado", "activo": False}),
    ]
    assert [i["activo"] for i in await _del_anio(api, anio)] == [True, False]


async def test_yaml_con_una_fecha_mala_nombra_la_fila_y_no_importa_nada(api):
    anio = _anio()
    yaml_texto = textwrap.dedent(
        f"""\
        feriados:
          - fecha: {anio}-05-02
            nombre: Bueno
          - fecha: {anio}-02-30
            nombre: Fecha imposible
          - fecha: {anio}-05-02
            nombre: Repetido
        """
    )
    r = await _importar(api, "feriados.yaml", yaml_texto)
    assert r.status_code == 422, r.text
    assert r.json()["errors"] == [
        {"campo": "fila 4: fecha", "mensaje": "Debe ser una fecha AAAA-MM-DD (o DD/MM/AAAA)."},
        {"campo": "fila 6: fecha", "mensaje": "Fecha repetida: ya aparece en la fila 2."},
    ]
    assert "no se importó nada" in r.json()["detail"]
    assert await _del_anio(api, anio) == []


async def test_csv_sin_nombre_o_con_columna_desconocida_es_422_naming_the_row(api):
    anio = _anio()
    r = await _importar(api, "f.csv", f"fecha;nombre\n{anio}-01-02;\n")
    assert r.status_code == 422
    assert r.json()["errors"] == [{"campo": "fila 2: nombre", "mensaje": "Es obligatorio."}]
    r = await _importar(api, "f.csv", f"fecha,nombre,motivo\n{anio}-01-02,X,Y\n")
    assert r.status_code == 422
    assert r.json()["errors"][0]["campo"] == "fila 1: motivo"
    r = await _importar(api, "f.txt", "fecha,nombre\n")
    assert r.status_code == 415
    assert await _del_anio(api, anio) == []


async def test_solo_admin_importa_feriados(api):
    cuenta = await api.crear_usuario("MESA_ENTRADA", usuario=nombre_unico("feriados"))
    cabecera = {"Authorization": f"Bearer {await api.token(cuenta.usuario, cuenta.password)}"}
    anio = _anio()
    r = await _importar(api, "f.csv", f"fecha,nombre\n{anio}-01-02,X\n", cabecera)
    assert r.status_code == 403
    assert await _del_anio(api, anio) == []


async def test_anio_fuera_de_rango_es_422(api):
    r = await api.client.get(
        "/api/v1/catalogo/feriados", params={"anio": "dos mil"}, headers=await api.admin()
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["campo"] == "anio"


async def test_republicar_el_catalogo_envia_tambien_los_feriados(api, escuchar):
    escucha = await escuchar("sigexp.feriado.#")
    r = await api.client.post("/api/v1/catalogo/republicar", headers=await api.admin())
    assert r.status_code == 200, r.text
    eventos = await escucha(10, lambda ev: any(e["subject"] == "2026-12-25" for e in ev))
    navidad = next(e for e in eventos if e["subject"] == "2026-12-25")
    assert navidad["data"] == {"fecha": "2026-12-25", "nombre": "Navidad", "activo": True}
    assert navidad["sequence"] >= 1
