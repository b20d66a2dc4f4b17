"""Catalogue listings (any signed-in user) and the import (ADMIN)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile

from auth.routes.deps import Config
from auth.schemas import DependenciaOut, ImportacionOut, Lista, MesaOut, OrganismoOut, TipoOut
from auth.service import catalogo, importacion
from sigexp_common.db import Session
from sigexp_common.errors import DemasiadoGrande, PeticionInvalida, TipoNoAdmitido
from sigexp_common.idempotency import IdempotentRoute
from sigexp_common.security import Admin, CurrentUser

router = APIRouter(tags=["catalogo"], route_class=IdempotentRoute)


@router.get("/api/v1/catalogo/organismos", response_model=Lista[OrganismoOut])
async def organismos(
    user: CurrentUser, db: Session, q: str | None = None, activo: bool | None = None
) -> Lista[OrganismoOut]:
    filas = await catalogo.listar_organismos(db, q, activo)
    return Lista[OrganismoOut](items=[OrganismoOut.model_validate(f) for f in filas])


@router.get("/api/v1/catalogo/mesas", response_model=Lista[MesaOut])
async def mesas(
    user: CurrentUser,
    db: Session,
    q: str | None = None,
    organismo_id: uuid.UUID | None = None,
    es_oficina: bool | None = None,
    activo: bool | None = None,
) -> Lista[MesaOut]:
    filas = await catalogo.listar_mesas(db, q, organismo_id, es_oficina, activo)
    return Lista[MesaOut](items=[MesaOut.model_validate(f) for f in filas])


@router.get("/api/v1/catalogo/dependencias", response_model=Lista[DependenciaOut])
async def dependencias(
    user: CurrentUser,
    db: Session,
    q: str | None = None,
    organismo_id: uuid.UUID | None = None,
    activo: bool | None = None,
) -> Lista[DependenciaOut]:
    filas = await catalogo.listar_dependencias(db, q, organismo_id, activo)
    return Lista[DependenciaOut](items=[DependenciaOut.model_validate(f) for f in filas])


@router.get("/api/v1/catalogo/tipos", response_model=Lista[TipoOut])
async def tipos(
    user: CurrentUser, db: Session, q: str | None = None, activo: bool | None = None
) -> Lista[TipoOut]:
    filas = await catalogo.listar_tipos(db, q, activo)
    return Lista[TipoOut](items=[TipoOut.model_validate(f) for f in filas])


async def archivo_subido(request: Request, maximo: int) -> tuple[bytes, UploadFile]:
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise PeticionInvalida(
            "Envíe el catálogo como archivo adjunto (multipart/form-data, campo «archivo»)."
        )
    form = await request.form()
    adjuntos = [v for v in form.values() if isinstance(v, UploadFile)]
    if not adjuntos:
        raise PeticionInvalida("No se recibió ningún archivo (campo «archivo»).")
    archivo = adjuntos[0]
    contenido = await archivo.read(maximo + 1)
    if len(contenido) > maximo:
        raise DemasiadoGrande(f"El archivo supera el máximo de {maximo // 1024} KiB.")
    return contenido, archivo


@router.post("/api/v1/catalogo/importar", response_model=ImportacionOut, name="catalogo.importar")
async def importar(request: Request, user: Admin, cfg: Config, db: Session) -> ImportacionOut:
    contenido, archivo = await archivo_subido(request, cfg.importacion_max_bytes)
    formato = importacion.detectar_formato(archivo.filename, archivo.content_type)
    if formato is None:
        raise TipoNoAdmitido("El catálogo debe ser un archivo .csv o .yaml (o .yml).")
    datos = await importacion.leer_aparte(contenido, formato, cfg.importacion_max_segundos)
    return await catalogo.importar(db, datos, por=user)


@router.post("/api/v1/catalogo/republicar", name="catalogo.republicar")
async def republicar(user: Admin, db: Session) -> dict[str, int]:
    return {"eventos": await catalogo.republicar(db, user)}
