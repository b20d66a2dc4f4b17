"""SQL written into any filter or cursor of any list route is data: never a 500, never a row
that the same filter written innocently would not give, and every table is still there."""

from __future__ import annotations

import base64
from typing import Any

import pytest

CARGAS = (
    "'",
    "' OR 1=1 --",
    "' OR '1'='1",
    "1; DROP TABLE expedientes; --",
    "x'); SELECT pg_sleep(5); --",
    '" OR ""="',
)
UUID_FALSO = "00000000-0000-0000-0000-000000000000' OR 1=1 --"

# Route, who lists it, and each filter: "texto" matches words literally (nothing here has
# these words: no row), "tipado" is a number, date, id or code (422), "cursor" is opaque (400),
# "orden" is a keyset position (a subset of the unfiltered listing).
LISTADOS: dict[str, tuple[str, dict[str, str]]] = {
    "/api/v1/expedientes": (
        "mesa.cap",
        {
            "q": "texto",
            "tipo": "texto",
            "codigo": "tipado",
            "estado": "tipado",
            "caracter": "tipado",
            "anio": "tipado",
            "mes": "tipado",
            "limit": "tipado",
            "cursor": "cursor",
        },
    ),
    "/api/v1/usuarios": (
        "admin.demo",
        {
            "q": "texto",
            "perfil": "tipado",
            "mesa_id": "tipado",
            "activo": "tipado",
            "limit": "tipado",
            "cursor": "orden",
        },
    ),
    "/api/v1/solicitudes-cuenta": ("admin.demo", {"estado": "tipado"}),
    "/api/v1/catalogo/organismos": ("mesa.cap", {"q": "texto", "activo": "tipado"}),
    "/api/v1/catalogo/mesas": (
        "mesa.cap",
        {"q": "texto", "organismo_id": "tipado", "es_oficina": "tipado", "activo": "tipado"},
    ),
    "/api/v1/catalogo/dependencias": (
        "mesa.cap",
        {"q": "texto", "organismo_id": "tipado", "activo": "tipado"},
    ),
    "/api/v1/catalogo/tipos": ("mesa.cap", {"q": "texto", "activo": "tipado"}),
    "/api/v1/auditoria": (
        "autoridad.demo",
        {
            "expediente_id": "tipado",
            "usuario_id": "tipado",
            "accion": "texto",
            "desde": "tipado",
            "hasta": "tipado",
            "limit": "tipado",
            "cursor": "cursor",
        },
    ),
}


def _ids(respuesta: Any) -> list[str]:
    items = respuesta.json()["items"]
    return [str(i.get("id") or i.get("codigo")) for i in items]


def _todo(api: Any) -> dict[str, list[str]]:
    vistos = {}
    for ruta, (usuario, filtros) in LISTADOS.items():
        pagina: dict[str, Any] = {"limit": 200} if "limit" in filtros else {}
        if ruta == "/api/v1/auditoria":  # it grows with every test: the altas' records only
            pagina["accion"] = "expediente.crear"
        r = api.request("GET", ruta, usuario, params=pagina)
        assert r.status_code == 200, (ruta, r.text)
        vistos[ruta] = _ids(r)
    return vistos


@pytest.fixture(scope="module")
def antes(api: Any) -> dict[str, list[str]]:
    for extracto in ("Pedido de licencia anual", "Compra de insumos", "Convenio marco"):
        r = api.request("POST", "/api/v1/expedientes", "mesa.cap", json={"extracto": extracto})
        assert r.status_code == 201, r.text
    return _todo(api)


@pytest.mark.parametrize("ruta", sorted(LISTADOS))
def test_sql_en_filtros_y_cursores_es_un_dato_mas(
    api: Any, antes: dict[str, list[str]], ruta: str
) -> None:
    usuario, filtros = LISTADOS[ruta]
    for filtro, clase in filtros.items():
        for carga in (*CARGAS, UUID_FALSO):
            r = api.request("GET", ruta, usuario, params={filtro: carga})
            caso = (ruta, filtro, carga, r.status_code, r.text[:300])
            assert r.status_code < 500, caso
            if clase == "texto":
                assert r.status_code == 200, caso
                assert r.json()["items"] == [], caso
            elif clase == "orden":
                assert r.status_code == 200, caso
                assert set(_ids(r)) <= set(antes[ruta]), caso
            else:
                # a cursor is refused as malformed (400) or too long (422)
                esperado = {400, 422} if clase == "cursor" else {422}
                assert r.status_code in esperado, caso
                assert r.headers["content-type"].startswith("application/problem+json"), caso


def test_las_tablas_siguen_intactas_tras_las_inyecciones(
    api: Any, antes: dict[str, list[str]]
) -> None:
    for ruta, (usuario, filtros) in LISTADOS.items():
        for filtro in filtros:
            for carga in ("1; DROP TABLE expedientes; --", "'; DELETE FROM cuentas; --"):
                r = api.request("GET", ruta, usuario, params={filtro: carga})
                assert r.status_code < 500, (ruta, filtro, r.text)
    despues = _todo(api)
    for ruta, ids in antes.items():
        assert set(ids) <= set(despues[ruta]), ruta
    verificacion = api.request("GET", "/api/v1/auditoria/verificacion", "admin.demo")
    assert verificacion.status_code == 200, verificacion.text
    assert verificacion.json()["ok"] is True, verificacion.text


def test_comodines_de_busqueda_son_literales(api: Any, antes: dict[str, list[str]]) -> None:
    """`%` and `_` are characters a clerk typed, not LIKE wildcards matching every row."""
    for q in ("%", "_", "%%"):
        r = api.request("GET", "/api/v1/expedientes", "mesa.cap", params={"q": q})
        assert r.status_code == 200, r.text
        assert r.json()["items"] == [], q


def _cursor(*partes: str) -> str:
    return base64.urlsafe_b64encode("|".join(partes).encode()).decode()


CURSORES_RAROS = (
    "²",
    _cursor("2026-01-01T00:00:00+00:00", "²"),
    _cursor("2026-01-01T00:00:00+00:00", "١٢٣"),
    _cursor("2026-01-01T00:00:00+00:00", "9" * 25),
    _cursor("2026-01-01T00:00:00+00:00", "-1"),
    _cursor("0001-01-01T00:00:00", "00000000-0000-0000-0000-000000000000"),
    _cursor("9999-12-31T23:59:59+00:00", "x", "y"),
)


@pytest.mark.parametrize("ruta", ["/api/v1/auditoria", "/api/v1/expedientes"])
def test_cursor_con_numeros_raros_no_es_un_500(api: Any, ruta: str) -> None:
    """Superscript or non-ASCII digits, a number beyond bigint, dates at the ends: a cursor
    the service did not write is refused (400/422) or pages from there, never a 500."""
    usuario = LISTADOS[ruta][0]
    for cursor in CURSORES_RAROS:
        r = api.request("GET", ruta, usuario, params={"cursor": cursor})
        assert r.status_code in (200, 400, 422), (cursor, r.status_code, r.text[:300])
