"""The events' contract, public: `/api/asyncapi.json` (the AsyncAPI 3 document that
scripts/asyncapi.py writes next to this module) and `/api/asyncapi`, a page to browse it."""

from __future__ import annotations

import functools
import json
from html import escape
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

DOCUMENTO = Path(__file__).parent / "asyncapi.json"
# The page is plain HTML: no script, only its own inline style.
POLITICA = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"

router = APIRouter()


@functools.cache
def _bytes() -> bytes:
    return DOCUMENTO.read_bytes()


@router.get("/api/asyncapi.json", include_in_schema=False)
async def documento() -> Response:
    return Response(_bytes(), media_type="application/json")


@router.get("/api/asyncapi", include_in_schema=False)
async def pagina() -> HTMLResponse:
    return HTMLResponse(_pagina(), headers={"Content-Security-Policy": POLITICA})


def _tipo(propiedad: dict[str, Any]) -> str:
    if "$ref" in propiedad:
        return str(propiedad["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in propiedad:
        return " | ".join(_tipo(o) for o in propiedad["anyOf"])
    if propiedad.get("type") == "array":
        return f"lista de {_tipo(propiedad.get('items', {}))}"
    return str(propiedad.get("format") or propiedad.get("type", "objeto"))


def _campos(esquema: dict[str, Any]) -> str:
    requeridos = set(esquema.get("required", []))
    filas = "".join(
        f"<tr><td><code>{escape(nombre)}</code></td><td>{escape(_tipo(p))}</td>"
        f"<td>{'sí' if nombre in requeridos else ''}</td></tr>"
        for nombre, p in esquema.get("properties", {}).items()
    )
    return f"<table><tr><th>campo</th><th>tipo</th><th>siempre</th></tr>{filas}</table>"


@functools.cache
def _pagina() -> str:
    doc = json.loads(_bytes())
    mensajes, esquemas = doc["components"]["messages"], doc["components"]["schemas"]
    secciones = []
    for nombre, canal in doc["channels"].items():
        exchange = canal["bindings"]["amqp"]["exchange"]["name"]
        mensaje = mensajes[nombre]
        ejemplo = json.dumps(mensaje["examples"][0]["payload"], indent=2, ensure_ascii=False)
        secciones.append(
            f'<section id="{escape(nombre)}"><h2><code>{escape(canal["address"])}</code> '
            f"<small>en {escape(exchange)}</small></h2><p>{escape(mensaje['title'])}</p>"
            f"{_campos(esquemas[nombre])}<details><summary>ejemplo</summary>"
            f"<pre>{escape(ejemplo)}</pre></details></section>"
        )
    indice = "".join(
        f'<li><a href="#{escape(n)}">{escape(c["address"])}</a> '
        f"({escape(c['bindings']['amqp']['exchange']['name'])})</li>"
        for n, c in doc["channels"].items()
    )
    return (
        '<!doctype html><html lang="es"><head><meta charset="utf-8">'
        f"<title>{escape(doc['info']['title'])}</title><style>"
        "body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem}"
        "pre{background:#f4f4f4;padding:.5rem;overflow:auto}small{color:#555}"
        f"</style></head><body><h1>{escape(doc['info']['title'])}</h1>"
        f"<p>{escape(doc['info']['description'])}</p>"
        '<p><a href="/api/asyncapi.json">asyncapi.json</a> (AsyncAPI 3.0)</p>'
        f"<ul>{indice}</ul>{''.join(secciones)}</body></html>"
    )
