"""Downloads of a version's bytes: streamed with Range support, or a redirect to the storage."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import RedirectResponse, StreamingResponse
from minio.error import S3Error

from archivos.service import descarga
from archivos.storage import NO_EXISTE, Almacen
from sigexp_common.db import Session
from sigexp_common.errors import Conflicto, problem
from sigexp_common.security import CurrentUser

router = APIRouter(tags=["archivos"])


@router.get("/api/v1/archivos/{archivo_id}/contenido", response_class=Response)
async def contenido(
    archivo_id: uuid.UUID, request: Request, por: CurrentUser, db: Session
) -> Response:
    return await _responder(request, db, archivo_id, None, por)


@router.get("/api/v1/archivos/{archivo_id}/versiones/{n}/contenido", response_class=Response)
async def contenido_de_version(
    archivo_id: uuid.UUID,
    request: Request,
    por: CurrentUser,
    db: Session,
    n: int = Path(ge=1, le=2**31 - 1),
) -> Response:
    return await _responder(request, db, archivo_id, n, por)


async def _responder(
    request: Request, db: Session, archivo_id: uuid.UUID, n: int | None, por: CurrentUser
) -> Response:
    almacen: Almacen = request.app.state.almacen
    try:
        hecho = await descarga.descargar(
            db, almacen, archivo_id, n, request.headers.get("range"), por
        )
    except descarga.RangoNoSatisfacible as exc:
        answer = problem(
            416,
            "Rango no satisfacible",
            f"El archivo tiene {exc.tamanio} bytes: el rango pedido no está en él.",
            "rango-no-satisfacible",
        )
        answer.headers["Content-Range"] = f"bytes */{exc.tamanio}"
        return answer
    if hecho.url is not None:
        return RedirectResponse(hecho.url, status_code=302)
    version = hecho.version
    desde, cuanto = (hecho.rango.desde, hecho.rango.cuanto) if hecho.rango else (0, version.tamanio)
    try:
        trozos = await almacen.abrir(version.objeto, desde, cuanto)
    except S3Error as exc:
        if exc.code in NO_EXISTE:
            raise Conflicto(descarga.FALTANTE) from exc
        raise
    headers = {
        "Content-Length": str(cuanto),
        "Accept-Ranges": "bytes",
        "Content-Disposition": hecho.content_disposition,
        "ETag": f'"{version.sha256}"',
        "Cache-Control": "private, no-store",
    }
    if hecho.rango is not None:
        headers["Content-Range"] = (
            f"bytes {hecho.rango.desde}-{hecho.rango.hasta}/{version.tamanio}"
        )
    return StreamingResponse(
        trozos,
        status_code=206 if hecho.rango else 200,
        media_type=version.tipo_mime,
        headers=headers,
    )
