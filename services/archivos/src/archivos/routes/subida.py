"""Uploads: a new archivo of an expediente, a new version of an archivo (CARGA only).

The body is not read by FastAPI: the use case streams it (`service.recepcion`), so these
routes declare their multipart body for the API's documents only.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Request

from archivos.schemas import ArchivoOut
from archivos.service import subida
from sigexp_common.db import Session
from sigexp_common.security import Perfil, Usuario, perfil_requerido

router = APIRouter(tags=["archivos"])

Carga = Annotated[Usuario, perfil_requerido(Perfil.CARGA)]
SUBIR = "/api/v1/expedientes/{expediente_id}/archivos"
REEMPLAZAR = "/api/v1/archivos/{archivo_id}"


def _formulario(con_descripcion: bool) -> dict[str, Any]:
    propiedades: dict[str, Any] = {"archivo": {"type": "string", "format": "binary"}}
    if con_descripcion:
        propiedades["descripcion"] = {"type": "string", "maxLength": 2000}
    esquema = {"type": "object", "required": ["archivo"], "properties": propiedades}
    return {
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": esquema}},
        }
    }


def _cuerpo(request: Request) -> subida.Cuerpo:
    return subida.Cuerpo(
        request.stream(),
        request.headers.get("content-type"),
        request.headers.get("content-length"),
    )


def _destino(request: Request) -> subida.Destino:
    return subida.Destino(request.app.state.sessions, request.app.state.almacen)


@router.post(
    SUBIR,
    name="archivo.subir",
    status_code=201,
    response_model=ArchivoOut,
    openapi_extra=_formulario(True),
)
async def subir(expediente_id: uuid.UUID, request: Request, por: Carga, db: Session) -> ArchivoOut:
    hecho = await subida.subir_archivo(db, _destino(request), expediente_id, _cuerpo(request), por)
    return ArchivoOut.de_lista(hecho)


@router.put(
    REEMPLAZAR,
    name="archivo.reemplazar",
    response_model=ArchivoOut,
    openapi_extra=_formulario(True),
)
async def reemplazar(
    archivo_id: uuid.UUID, request: Request, por: Carga, db: Session
) -> ArchivoOut:
    hecho = await subida.reemplazar_archivo(
        db, _destino(request), archivo_id, _cuerpo(request), por
    )
    return ArchivoOut.de_lista(hecho)
