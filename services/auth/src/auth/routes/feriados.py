"""The holiday calendar: listing (any signed-in user) and the import (ADMIN)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from auth.routes.catalogo import archivo_subido
from auth.routes.deps import Config
from auth.schemas import FeriadoOut, FeriadosImportadosOut, Lista
from auth.service import feriados, importacion
from sigexp_common.db import Session
from sigexp_common.errors import TipoNoAdmitido
from sigexp_common.idempotency import IdempotentRoute
from sigexp_common.security import Admin, CurrentUser

router = APIRouter(tags=["catalogo"], route_class=IdempotentRoute)

RUTA_IMPORTAR = "/api/v1/catalogo/feriados/importar"


@router.get("/api/v1/catalogo/feriados", response_model=Lista[FeriadoOut])
async def listar(
    user: CurrentUser, db: Session, anio: Annotated[int | None, Query(ge=1900, le=2200)] = None
) -> Lista[FeriadoOut]:
    filas = await feriados.listar(db, anio)
    return Lista[FeriadoOut](items=[FeriadoOut.model_validate(f) for f in filas])


@router.post(RUTA_IMPORTAR, response_model=FeriadosImportadosOut, name="feriado.importar")
async def importar(
    request: Request, user: Admin, cfg: Config, db: Session
) -> FeriadosImportadosOut:
    contenido, archivo = await archivo_subido(request, cfg.importacion_max_bytes)
    formato = importacion.detectar_formato(archivo.filename, archivo.content_type)
    if formato is None:
        raise TipoNoAdmitido("Los feriados deben venir en un archivo .csv o .yaml (o .yml).")
    calendario = await importacion.en_un_hilo(
        feriados.leer, contenido, formato, cfg.importacion_max_segundos
    )
    return await feriados.importar(db, calendario, por=user)
