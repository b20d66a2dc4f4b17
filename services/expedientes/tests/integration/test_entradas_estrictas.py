"""What a desk types is taken literally: numbers must be JSON numbers, search words are text
(`%` and `_` are not wildcards), and a page cursor that is not ours is a problem, not a 500."""

from __future__ import annotations

import base64

import httpx
import pytest

DATOS = {"extracto": "Solicitud de subsidio agropecuario", "tomos": 1, "fojas": 12}


@pytest.mark.parametrize(
    "cambio",
    [
        {"numero": True},
        {"numero": "12"},
        {"anio": "2024"},
        {"tomos": True},
        {"fojas": "3"},
        {"fojas": 3.0},
    ],
    ids=["numero_true", "numero_texto", "anio_texto", "tomos_true", "fojas_texto", "fojas_float"],
)
async def test_un_numero_que_no_es_numero_json_se_rechaza_con_422_nombrando_el_campo(
    cliente: httpx.AsyncClient, mesa, cambio: dict[str, object]
) -> None:
    r = await cliente.post("/api/v1/expedientes", json={**DATOS, **cambio}, headers=mesa.headers())
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert [e["campo"] for e in r.json()["errors"]] == list(cambio)


async def test_porcentaje_y_guion_bajo_en_la_busqueda_se_buscan_tal_cual(
    cliente: httpx.AsyncClient, mesa
) -> None:
    extractos = ["Pago al 100% del anticipo", "Pago al 1000 del anticipo", "Nota_a", "NotaXa"]
    for extracto in extractos:
        r = await cliente.post(
            "/api/v1/expedientes", json={**DATOS, "extracto": extracto}, headers=mesa.headers()
        )
        assert r.status_code == 201, r.text

    async def hallados(q: str) -> list[str]:
        r = await cliente.get(
            "/api/v1/expedientes",
            params={"q": q, "codigo": mesa.codigo},
            headers=mesa.headers(),
        )
        assert r.status_code == 200, r.text
        return [i["extracto"] for i in r.json()["items"]]

    assert await hallados("100%") == ["Pago al 100% del anticipo"]
    assert await hallados("nota_a") == ["Nota_a"]
    # Search is by words (full text): a sign alone is no word, so it finds nothing, never all.
    assert await hallados("%") == []
    assert await hallados("_") == []
    assert await hallados("\\") == []


def _b64(texto: str) -> str:
    return base64.urlsafe_b64encode(texto.encode()).decode()


CURSORES = {
    "superindice": "²",
    "basura": "no-es-un-cursor",
    "sin_uuid": _b64("2026-01-01T00:00:00+00:00|²"),
    "fecha_sin_zona": _b64("2026-01-01T00:00:00|0190f0e0-0000-7000-8000-000000000000"),
    "anio_enorme": _b64("99999-01-01T00:00:00+00:00|0190f0e0-0000-7000-8000-000000000000"),
    "enorme": "A" * 5000,
}


@pytest.mark.parametrize("cursor", CURSORES.values(), ids=CURSORES.keys())
async def test_un_cursor_invalido_en_la_busqueda_responde_un_problema_y_nunca_500(
    cliente: httpx.AsyncClient, mesa, cursor: str
) -> None:
    r = await cliente.get("/api/v1/expedientes", params={"cursor": cursor}, headers=mesa.headers())
    assert r.status_code in {400, 422}, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
