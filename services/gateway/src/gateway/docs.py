"""The public API documents: one OpenAPI 3.1 document merging the services' public routes as
the gateway serves them (`/api/openapi.json`), a page to browse it (`/api/docs`, its script
and styles served from here: no CDN). The AsyncAPI document of the bus is `gateway.asyncapi`'s.

Each service's schema is read from its `/internal/openapi.json` (never routed from outside) and
kept for `CACHE_SECONDS`. A path is kept only when the gateway routes it to that service
(`upstreams.service_for`); the composed views replace their owner's answer schema. Components
with the same name and the same content are kept once; the same name with another content is
renamed `<service>__<name>` in that service's paths.
"""

from __future__ import annotations

import asyncio
import copy
import json
import time
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse

from gateway.client import UPSTREAM_ERRORS, Upstreams
from gateway.upstreams import is_public, service_for
from sigexp_common.errors import NoEncontrado

HERE = Path(__file__).parent
ASSETS = HERE / "docs_assets"
CACHE_SECONDS = 30.0
METHODS = ("get", "post", "put", "patch", "delete")
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

router = APIRouter()


async def _schema_of(upstreams: Upstreams, service: str) -> dict[str, Any] | None:
    upstream = upstreams[service]
    try:
        answer = await upstreams.request(
            upstream, "GET", upstream.url("/internal/openapi.json"), [], None
        )
        async with answer:
            if answer.status != 200:
                return None
            schema: dict[str, Any] = json.loads(await answer.read())
            return schema
    except (*UPSTREAM_ERRORS, ValueError) as exc:
        upstream.failed(exc)
        return None


def _rename_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            name = ref.removeprefix("#/components/schemas/")
            if name in renames:
                return {**node, "$ref": "#/components/schemas/" + renames[name]}
        return {k: _rename_refs(v, renames) for k, v in node.items()}
    if isinstance(node, list):
        return [_rename_refs(v, renames) for v in node]
    return node


COMPOSED_DETAIL = {
    "type": "object",
    "description": "Detalle compuesto por el gateway (expedientes, pases y archivos en paralelo).",
    "required": ["expediente", "pases", "tenencia", "archivos", "anotaciones", "historial"],
    "properties": {
        "expediente": {"type": "object"},
        "pases": {"type": "array", "items": {"type": "object"}},
        "tenencia": {"type": ["object", "null"]},
        "archivos": {"type": "array", "items": {"type": "object"}},
        "anotaciones": {"type": "array", "items": {"type": "object"}},
        "historial": {"type": "array", "items": {"type": "object"}},
        "incompletos": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Partes que no llegaron a tiempo (p. ej. `pases`, `archivos`).",
        },
    },
}


def _compose_notes(paths: dict[str, Any]) -> None:
    """What the gateway's own composed views answer, over their owner's schemas."""
    detalle = paths.get("/api/v1/expedientes/{expediente_id}", {}).get("get")
    if detalle is not None:
        detalle["summary"] = "Detalle compuesto del expediente"
        detalle["responses"]["200"] = {
            "description": "El expediente con sus pases, tenencia, archivos, anotaciones e "
            "historial; `incompletos` nombra las partes que faltan.",
            "content": {"application/json": {"schema": COMPOSED_DETAIL}},
        }
    listado = paths.get("/api/v1/expedientes", {}).get("get")
    if listado is not None:
        listado.setdefault("parameters", []).append(
            {
                "name": "con",
                "in": "query",
                "required": False,
                "description": "`tenencia`: cada fila con su mesa y el tiempo de espera.",
                "schema": {"type": "string", "enum": ["tenencia"]},
            }
        )


def merge(schemas: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One OpenAPI 3.1 document of the public paths of `schemas` (service → its schema)."""
    paths: dict[str, Any] = {}
    components: dict[str, Any] = {}
    for service, schema in sorted(schemas.items()):
        own = schema.get("components", {}).get("schemas", {})
        renames = {
            name: f"{service}__{name}"
            for name, body in own.items()
            if name in components and components[name] != body
        }
        for name, body in own.items():
            components[renames.get(name, name)] = _rename_refs(copy.deepcopy(body), renames)
        for path, item in schema.get("paths", {}).items():
            if service_for(_sample(path)) != service:
                continue
            kept = {m: op for m, op in item.items() if m in METHODS}
            for method, operation in kept.items():
                operation = _rename_refs(copy.deepcopy(operation), renames)
                operation.setdefault("tags", [service])
                if is_public(method.upper(), _sample(path)):
                    operation["security"] = []
                paths.setdefault(path, {})[method] = operation
    _compose_notes(paths)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "SIGEXP — API pública",
            "version": "1.0.0",
            "description": "Todas las rutas públicas, como las sirve el gateway. "
            "Errores en application/problem+json con `detail` en castellano.",
        },
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(components.items())),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }


def _sample(path: str) -> str:
    """A concrete path for a template (`{id}` → a UUID), to ask the routing rules."""
    parts = []
    for segment in path.split("/"):
        if segment.startswith("{") and segment.endswith("}"):
            segment = "00000000-0000-0000-0000-000000000000"
        parts.append(segment)
    return "/".join(parts)


class MergedSchema:
    def __init__(self) -> None:
        self.document: dict[str, Any] | None = None
        self.at = 0.0
        self.missing: list[str] = []

    async def get(self, upstreams: Upstreams) -> dict[str, Any]:
        if self.document is not None and time.monotonic() - self.at < CACHE_SECONDS:
            return self.document
        services = list(upstreams.services)
        found = await asyncio.gather(*(_schema_of(upstreams, s) for s in services))
        schemas = {s: f for s, f in zip(services, found, strict=True) if f is not None}
        document = merge(schemas)
        self.missing = [s for s, f in zip(services, found, strict=True) if f is None]
        if self.missing:
            document["x-servicios-sin-respuesta"] = self.missing  # not kept: asked again
        else:
            self.document, self.at = document, time.monotonic()
        return document


@router.get("/api/openapi.json", include_in_schema=False)
async def openapi(request: Request) -> JSONResponse:
    merged: MergedSchema = request.app.state.merged_schema
    return JSONResponse(await merged.get(request.app.state.upstreams))


@router.get("/api/docs", include_in_schema=False)
async def docs_page() -> FileResponse:
    page = FileResponse(ASSETS / "docs.html", media_type="text/html; charset=utf-8")
    page.headers["Content-Security-Policy"] = DOCS_POLICY
    return page


@router.get("/api/docs/{name}", include_in_schema=False)
async def docs_asset(name: str) -> FileResponse:
    types = {"docs.js": "text/javascript; charset=utf-8", "docs.css": "text/css; charset=utf-8"}
    if name not in types:
        raise NoEncontrado("La dirección solicitada no existe.")
    return FileResponse(ASSETS / name, media_type=types[name])
