"""The error answers of every route, in its OpenAPI document as they are on the wire.

Every error a service answers is problem+json (`errors.problem`), but FastAPI documents only
the success and a 422 of its own shape (`HTTPValidationError`, `detail` a list). A client or a
generated test reading the document would expect that 422 and no other error. Here each
operation gets the errors any route of SIGEXP can answer, with the one body they all have:
those of the edge and the session (a token missing or refused, a profile without the
permission, a body too large or of another type, too many attempts), of the input (422),
of a path naming something that does not exist (404), and of a state that forbids the
action or an idempotency key reused (409).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from sigexp_common.errors import PROBLEM_JSON

PROBLEMA = "Problema"
ESQUEMA_PROBLEMA: dict[str, Any] = {
    "type": "object",
    "title": PROBLEMA,
    "description": "Un error (RFC 9457), con `detail` en castellano para quien lo lee.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["campo", "mensaje"],
                "properties": {"campo": {"type": "string"}, "mensaje": {"type": "string"}},
            },
        },
    },
}
ERRORES = {
    "400": "La solicitud no se pudo interpretar.",
    "401": "Sin sesión, o con un token vencido, revocado o falso.",
    "403": "El perfil o la mesa del usuario no permiten la acción.",
    "404": "Lo que nombra la dirección no existe (o el usuario no puede verlo).",
    "409": "El estado actual no permite la acción, o la clave de idempotencia ya se usó.",
    "413": "El contenido supera el tamaño permitido.",
    "415": "El tipo de contenido no se admite.",
    "422": "Datos inválidos: `errors` nombra cada campo.",
    "429": "Demasiados intentos; `Retry-After` dice cuándo volver.",
}
METODOS = ("get", "post", "put", "patch", "delete")


def con_errores(documento: dict[str, Any]) -> dict[str, Any]:
    """`documento` with every operation's error answers as problem+json."""
    schemas = documento.setdefault("components", {}).setdefault("schemas", {})
    schemas[PROBLEMA] = ESQUEMA_PROBLEMA
    for nombre in ("HTTPValidationError", "ValidationError"):
        schemas.pop(nombre, None)  # FastAPI's own 422, never answered
    ref = {"$ref": f"#/components/schemas/{PROBLEMA}"}
    for item in documento.get("paths", {}).values():
        for metodo, operacion in item.items():
            if metodo not in METODOS:
                continue
            respuestas = operacion.setdefault("responses", {})
            for estado, descripcion in ERRORES.items():
                respuestas[estado] = {
                    "description": descripcion,
                    "content": {PROBLEM_JSON: {"schema": ref}},
                }
    return documento


def documentar_errores(app: FastAPI) -> None:
    """Make `app.openapi()` document the errors of every route (computed once, as FastAPI's)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = con_errores(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    openapi_version=app.openapi_version,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
