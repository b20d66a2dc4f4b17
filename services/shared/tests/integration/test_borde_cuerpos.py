"""What a service does with a request body before any route code runs: too large (413, from
Content-Length or while it streams), of the wrong type for a JSON route (415), sent by a
profile the route refuses (403 before validation), and the problem `type` of framework and
domain errors alike. The tiny service of `borde.py`, built by `create_app`."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from borde import GRANDE, spec
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from sigexp_common import errors
from sigexp_testing.apps import running_app
from sigexp_testing.infra import TestInfra
from sigexp_testing.tokens import TokenFactory

MIB = 1024 * 1024


@pytest.fixture
async def servicio(
    engine: AsyncEngine, database_url: str, infra: TestInfra, tokens: TokenFactory
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    # Connected to the broker before the test: a connection still being opened when the
    # app stops holds the loop's shutdown for half a minute.
    async with running_app(spec(database_url, infra.amqp_url), verifier=tokens.verifier()) as (
        app_client
    ):
        yield app_client


@pytest.fixture
def auth(tokens: TokenFactory) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.token('MESA_ENTRADA')}"}


class _Cuerpo:
    """A streamed body (no Content-Length) that counts what the service pulled from it."""

    def __init__(self, total: int, parte: int = 64 * 1024) -> None:
        self.total, self.parte, self.leidos = total, parte, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.leidos < self.total:
            self.leidos += self.parte
            yield b"x" * self.parte


async def test_un_cuerpo_de_10_mb_responde_413_sin_leerlo_entero(
    servicio: tuple[FastAPI, httpx.AsyncClient], auth: dict[str, str]
) -> None:
    _, cliente = servicio
    diez = b'{"nombre": "' + b"x" * (10 * MIB) + b'", "cantidad": 1}'
    por_longitud = await cliente.post(
        "/api/v1/cosas", content=diez, headers={**auth, "Content-Type": "application/json"}
    )
    sin_longitud = _Cuerpo(10 * MIB)
    en_partes = await cliente.post(
        "/api/v1/cosas",
        content=sin_longitud,
        headers={**auth, "Content-Type": "application/json"},
    )
    for r in (por_longitud, en_partes):
        assert r.status_code == 413
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["type"] == "/problemas/demasiado-grande"
        assert "1 MiB" in r.json()["detail"]
    assert sin_longitud.leidos <= 2 * MIB, "stopped soon after the limit"


async def test_una_ruta_con_su_propio_limite_acepta_mas_y_no_mas_de_el(
    servicio: tuple[FastAPI, httpx.AsyncClient], auth: dict[str, str]
) -> None:
    _, cliente = servicio
    tres = await cliente.post("/api/v1/grandes", content=b"x" * (3 * MIB), headers=auth)
    assert (tres.status_code, tres.json()) == (200, {"bytes": 3 * MIB})
    cinco = await cliente.post("/api/v1/grandes", content=_Cuerpo(GRANDE + MIB), headers=auth)
    assert cinco.status_code == 413
    assert "4 MiB" in cinco.json()["detail"]


@pytest.mark.parametrize(
    "tipo", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", None]
)
async def test_una_ruta_json_responde_415_a_otro_tipo_de_contenido(
    servicio: tuple[FastAPI, httpx.AsyncClient], auth: dict[str, str], tipo: str | None
) -> None:
    _, cliente = servicio
    headers = {**auth, **({"Content-Type": tipo} if tipo else {})}
    cuerpo = json.dumps({"nombre": "mesa", "cantidad": 2}).encode()
    r = await cliente.post("/api/v1/cosas", content=cuerpo, headers=headers)
    assert r.status_code == 415
    assert r.json()["type"] == "/problemas/tipo-no-admitido"
    assert "application/json" in r.json()["detail"]


async def test_una_ruta_json_acepta_json_con_charset_y_tipos_mas_json(
    servicio: tuple[FastAPI, httpx.AsyncClient], auth: dict[str, str]
) -> None:
    _, cliente = servicio
    cuerpo = json.dumps({"nombre": "mesa", "cantidad": 2}).encode()
    for tipo in ("application/json; charset=utf-8", "application/merge-patch+json"):
        r = await cliente.post(
            "/api/v1/cosas", content=cuerpo, headers={**auth, "Content-Type": tipo}
        )
        assert r.status_code == 201, tipo


async def test_un_perfil_que_no_es_admin_recibe_403_aunque_el_cuerpo_sea_invalido(
    servicio: tuple[FastAPI, httpx.AsyncClient], auth: dict[str, str], tokens: TokenFactory
) -> None:
    _, cliente = servicio
    invalido = {"nombre": "x", "cantidad": "muchas", "sobra": True}
    r = await cliente.post("/api/v1/admin/cosas", json=invalido, headers=auth)
    assert r.status_code == 403
    assert r.json()["type"] == "/problemas/sin-permiso"
    admin = {"Authorization": f"Bearer {tokens.token('ADMIN')}"}
    r = await cliente.post("/api/v1/admin/cosas", json=invalido, headers=admin)
    assert r.status_code == 422  # ADMIN learns what is wrong with its body
    r = await cliente.post("/api/v1/admin/cosas", json={"nombre": "mesa", "cantidad": 1})
    assert (r.status_code, r.headers["www-authenticate"]) == (401, "Bearer")


async def test_los_tipos_de_problema_son_ascii_y_los_mismos_para_el_marco_y_el_dominio(
    servicio: tuple[FastAPI, httpx.AsyncClient], auth: dict[str, str]
) -> None:
    _, cliente = servicio
    del_marco = {
        404: await cliente.get("/api/v1/no-existe", headers=auth),
        405: await cliente.delete("/api/v1/cosas", headers=auth),
        413: await cliente.post("/api/v1/cosas", content=b"x" * (2 * MIB), headers=auth),
        415: await cliente.post("/api/v1/cosas", content=b"{}", headers=auth),
        422: await cliente.post("/api/v1/cosas", json={}, headers=auth),
        400: await cliente.post(
            "/api/v1/cosas", content=b"{", headers={**auth, "Content-Type": "application/json"}
        ),
        401: await cliente.get("/api/v1/cosas/x"),
    }
    del_dominio = {
        404: errors.NoEncontrado,
        405: errors.MetodoNoPermitido,
        413: errors.DemasiadoGrande,
        415: errors.TipoNoAdmitido,
        422: errors.DatoInvalido,
        400: errors.PeticionInvalida,
        401: errors.NoAutenticado,
    }
    for status, r in del_marco.items():
        assert r.status_code == status
        tipo = r.json()["type"]
        assert tipo.isascii(), tipo
        assert tipo == f"/problemas/{del_dominio[status].slug}"
        assert r.json()["title"] == del_dominio[status].titulo
