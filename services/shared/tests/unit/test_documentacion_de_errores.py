"""Each route's OpenAPI document promises the errors it really answers: problem+json with a
Spanish `detail`, not FastAPI's own 422 (whose `detail` is a list) and not only 422."""

from __future__ import annotations

import uuid

from fastapi import FastAPI
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator
from pydantic import BaseModel

from sigexp_common.documentacion import documentar_errores
from sigexp_common.errors import PROBLEM_JSON, NoEncontrado, install_error_handlers


class Alta(BaseModel):
    nombre: str


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    documentar_errores(app)

    @app.post("/cosas/{cosa_id}")
    async def alta(cosa_id: uuid.UUID, body: Alta) -> dict[str, str]:
        raise NoEncontrado("La cosa no existe.")

    return app


def _esquema(documento: dict, estado: str) -> Draft202012Validator:
    respuesta = documento["paths"]["/cosas/{cosa_id}"]["post"]["responses"][estado]
    schema = respuesta["content"][PROBLEM_JSON]["schema"]
    return Draft202012Validator({**schema, "components": documento["components"]})


def test_cada_operacion_documenta_sus_errores_como_problem_json() -> None:
    documento = _app().openapi()
    respuestas = documento["paths"]["/cosas/{cosa_id}"]["post"]["responses"]

    assert {"400", "401", "403", "404", "409", "413", "415", "422", "429"} <= set(respuestas)
    assert all(list(respuestas[e]["content"]) == [PROBLEM_JSON] for e in respuestas if e >= "400")
    assert "HTTPValidationError" not in documento["components"]["schemas"]


def test_los_errores_respondidos_cumplen_el_esquema_documentado() -> None:
    app = _app()
    documento = app.openapi()
    cliente = TestClient(app)

    invalido = cliente.post("/cosas/no-es-uuid", json={"nombre": 3})
    inexistente = cliente.post(f"/cosas/{uuid.uuid4()}", json={"nombre": "x"})

    assert invalido.status_code == 422
    assert inexistente.status_code == 404
    for r in (invalido, inexistente):
        assert r.headers["content-type"] == PROBLEM_JSON
        errores = list(_esquema(documento, str(r.status_code)).iter_errors(r.json()))
        assert not errores, errores
