"""The PNG thumbnail of an archivo (its current version's first page)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from fastapi import APIRouter, Request, Response
from minio.error import S3Error

from archivos.service import miniatura
from archivos.storage import NO_EXISTE, Almacen
from sigexp_common.db import Session
from sigexp_common.errors import NoEncontrado
from sigexp_common.security import CurrentUser

router = APIRouter(tags=["archivos"])

PERDIDA = "La miniatura no está en el almacenamiento; se rehará si el archivo se reemplaza."


def _leer(almacen: Almacen, clave: str) -> bytes:
    respuesta: Any = almacen.client.get_object(almacen.bucket, clave)
    try:
        return bytes(respuesta.read())
    finally:
        respuesta.close()
        respuesta.release_conn()


@router.get(
    "/api/v1/archivos/{archivo_id}/miniatura",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
async def ver(archivo_id: uuid.UUID, request: Request, por: CurrentUser, db: Session) -> Response:
    version = await miniatura.ver_miniatura(db, archivo_id, por)
    assert version.miniatura is not None
    try:
        png = await asyncio.to_thread(_leer, request.app.state.almacen, version.miniatura)
    except S3Error as exc:
        if exc.code in NO_EXISTE:
            raise NoEncontrado(PERDIDA) from exc
        raise
    return Response(
        png,
        media_type="image/png",
        headers={"Cache-Control": "private, max-age=300", "ETag": f'"{version.sha256}-m"'},
    )
