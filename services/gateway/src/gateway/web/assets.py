"""The UI's static files under a content-hashed prefix, so browsers may keep them for a year.

`/static/v/<hash>/<path>`: the hash covers every file of the folder, so one change gives every
page new URLs; the scripts import each other by relative paths and stay under the same prefix.
`/static/<path>` serves the same files unversioned, revalidated on every use.
"""

from __future__ import annotations

import hashlib
import mimetypes
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from sigexp_common.errors import NoEncontrado

STATIC = Path(__file__).resolve().parent.parent / "static"
INMUTABLE = "public, max-age=31536000, immutable"
REVALIDAR = "no-cache"
TIPOS = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}

router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=1)
def version() -> str:
    """A short hash of every static file's path and bytes (computed once per process)."""
    digest = hashlib.sha256()
    for archivo in sorted(p for p in STATIC.rglob("*") if p.is_file()):
        digest.update(archivo.relative_to(STATIC).as_posix().encode())
        digest.update(archivo.read_bytes())
    return digest.hexdigest()[:16]


def url(ruta: str) -> str:
    return f"/static/v/{version()}/{ruta}"


def _archivo(ruta: str) -> Path:
    archivo = (STATIC / ruta).resolve()
    if not archivo.is_relative_to(STATIC) or not archivo.is_file():
        raise NoEncontrado("El recurso solicitado no existe.")
    return archivo


def _responder(ruta: str, cache: str) -> FileResponse:
    archivo = _archivo(ruta)
    tipo = TIPOS.get(archivo.suffix) or mimetypes.guess_type(archivo.name)[0]
    respuesta = FileResponse(archivo, media_type=tipo or "application/octet-stream")
    respuesta.headers["Cache-Control"] = cache
    respuesta.headers["X-Content-Type-Options"] = "nosniff"
    return respuesta


@router.get("/static/v/{hash_}/{ruta:path}")
async def versionado(hash_: str, ruta: str) -> FileResponse:
    # An old hash still gets today's file, but only the current one may be kept for a year.
    return _responder(ruta, INMUTABLE if hash_ == version() else REVALIDAR)


@router.get("/static/{ruta:path}")
async def sin_version(ruta: str) -> FileResponse:
    return _responder(ruta, REVALIDAR)
