"""Reading and hiding archivos: an expediente's list, an archivo's history, delete."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Response

from archivos.schemas import ArchivoOut, ArchivosOut, VersionesOut, VersionOut
from archivos.service import archivos
from sigexp_common.db import Session
from sigexp_common.security import CurrentUser, Perfil, Usuario, perfil_requerido

router = APIRouter(tags=["archivos"])

Carga = Annotated[Usuario, perfil_requerido(Perfil.CARGA)]


@router.get("/api/v1/expedientes/{expediente_id}/archivos", response_model=ArchivosOut)
async def listar(expediente_id: uuid.UUID, por: CurrentUser, db: Session) -> ArchivosOut:
    items = await archivos.listar_archivos(db, expediente_id, por)
    return ArchivosOut(items=[ArchivoOut.de_lista(i) for i in items])


@router.get("/api/v1/archivos/{archivo_id}/versiones", response_model=VersionesOut)
async def versiones(archivo_id: uuid.UUID, por: CurrentUser, db: Session) -> VersionesOut:
    hecho = await archivos.ver_versiones(db, archivo_id, por)
    return VersionesOut(archivo_id=archivo_id, items=[VersionOut.de(v) for v in hecho.versiones])


@router.delete("/api/v1/archivos/{archivo_id}", status_code=204, name="archivo.eliminar")
async def eliminar(archivo_id: uuid.UUID, por: Carga, db: Session) -> Response:
    await archivos.eliminar_archivo(db, archivo_id, por)
    return Response(status_code=204)
