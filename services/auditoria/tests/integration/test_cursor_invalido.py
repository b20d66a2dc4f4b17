"""Whatever a client writes as `cursor`, the audit query answers a problem, never a 500."""

from __future__ import annotations

import base64

import httpx
import pytest
from fastapi import FastAPI

from sigexp_testing.tokens import TokenFactory
from sigexp_testing.waiting import wait_until


def _b64(texto: str) -> str:
    return base64.urlsafe_b64encode(texto.encode()).decode()


CURSORES = {
    "superindice": "²",
    "digitos_arabes": "١٢٣",
    "basura": "no-es-un-cursor",
    "seq_superindice": _b64("2026-01-01T00:00:00+00:00|²"),
    "seq_enorme": _b64("2026-01-01T00:00:00+00:00|" + "9" * 25),
    "seq_negativa": _b64("2026-01-01T00:00:00+00:00|-5"),
    "fecha_sin_zona": _b64("2026-01-01T00:00:00|5"),
    "fecha_imposible": _b64("2026-13-45T00:00:00+00:00|5"),
    "sin_separador": _b64("2026-01-01T00:00:00+00:00"),
    "nul": _b64("2026-01-01T00:00:00+00:00|\x00"),
}


@pytest.mark.parametrize("cursor", CURSORES.values(), ids=CURSORES.keys())
async def test_un_cursor_invalido_responde_un_problema_y_nunca_500(
    servicio: tuple[FastAPI, httpx.AsyncClient], tokens: TokenFactory, cursor: str
) -> None:
    _, cliente = servicio
    r = await cliente.get(
        "/api/v1/auditoria",
        params={"cursor": cursor},
        headers={"Authorization": f"Bearer {tokens.token('ADMIN')}"},
    )
    assert r.status_code in {400, 422}, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["detail"]


async def test_la_consulta_sigue_su_next_cursor_pagina_a_pagina(
    servicio: tuple[FastAPI, httpx.AsyncClient], tokens: TokenFactory
) -> None:
    _, cliente = servicio
    admin = {"Authorization": f"Bearer {tokens.token('ADMIN')}"}
    for _ in range(3):  # each query leaves its own record
        assert (await cliente.get("/api/v1/auditoria", headers=admin)).status_code == 200
    params: dict[str, str | int] = {"accion": "auditoria.consultar", "limit": 1}

    async def guardados() -> bool:
        r = await cliente.get("/api/v1/auditoria", params={**params, "limit": 3}, headers=admin)
        return len(r.json()["items"]) == 3

    await wait_until(guardados)
    vistos: list[str] = []

    async def pagina(cursor: str | None) -> str | None:
        r = await cliente.get(
            "/api/v1/auditoria",
            params={**params, **({"cursor": cursor} if cursor else {})},
            headers=admin,
        )
        assert r.status_code == 200, r.text
        vistos.extend(i["id"] for i in r.json()["items"])
        return r.json()["next_cursor"]

    siguiente = await pagina(None)
    for _ in range(2):
        assert siguiente is not None
        siguiente = await pagina(siguiente)
    assert len(vistos) == len(set(vistos)) == 3
