"""The merged OpenAPI document (`gateway.docs.merge`) and the AsyncAPI copy the gateway serves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openapi_spec_validator import validate

from gateway.docs import merge

ROOT = Path(__file__).resolve().parents[4]


def _esquema(paths: dict[str, Any], componentes: dict[str, Any]) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "x", "version": "1"},
        "paths": paths,
        "components": {"schemas": componentes},
    }


def _get(ref: str, *parametros: str) -> dict[str, Any]:
    contenido = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}
    operacion: dict[str, Any] = {
        "responses": {"200": {"description": "ok", "content": contenido}},
        "parameters": [
            {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
            for p in parametros
        ],
    }
    return {"get": operacion}


def test_la_fusion_deja_solo_lo_que_el_gateway_enruta_y_une_componentes_iguales() -> None:
    error = {"type": "object", "properties": {"detail": {"type": "string"}}}
    auth = _esquema(
        {
            "/api/v1/auth/me": _get("Yo"),
            "/api/v1/auth/login": {"post": {"responses": {"200": {"description": "ok"}}}},
            "/internal/revocaciones": _get("Yo"),
            "/api/v1/expedientes": _get("Yo"),  # not auth's to document
        },
        {"Yo": {"type": "object"}, "Error": error},
    )
    pases = _esquema(
        {"/api/v1/expedientes/{expediente_id}/pases": _get("Yo", "expediente_id")},
        {"Yo": {"type": "string"}, "Error": error},  # same name, other content
    )
    documento = merge({"auth": auth, "pases": pases})
    validate(documento)
    assert sorted(documento["paths"]) == [
        "/api/v1/auth/login",
        "/api/v1/auth/me",
        "/api/v1/expedientes/{expediente_id}/pases",
    ]
    esquemas = documento["components"]["schemas"]
    assert sorted(esquemas) == ["Error", "Yo", "pases__Yo"]
    respuesta = documento["paths"]["/api/v1/expedientes/{expediente_id}/pases"]["get"]
    ref = respuesta["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/pases__Yo"
    assert documento["paths"]["/api/v1/auth/login"]["post"]["security"] == []  # public
    assert "security" not in documento["paths"]["/api/v1/auth/me"]["get"]
