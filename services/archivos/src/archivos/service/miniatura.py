"""The thumbnail of an archivo's current version, drawn by the digitisation workers."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from archivos.models import ArchivoVersion
from archivos.service import acceso
from sigexp_common import audit
from sigexp_common.errors import NoEncontrado
from sigexp_common.security import Usuario

VER_MINIATURA = "archivo.ver_miniatura"
EN_CURSO = (
    "La miniatura todavía no está: el archivo se está digitalizando. Vuelva a intentarlo en "
    "unos minutos."
)
SIN_MINIATURA = "El archivo no tiene miniatura: no se pudo digitalizar ({motivo})"


def _por_que_no_hay(version: ArchivoVersion) -> str:
    if version.estado_procesamiento == "ERROR":
        motivo = (version.error_procesamiento or "sin motivo registrado").rstrip(".")
        return SIN_MINIATURA.format(motivo=motivo) + "."
    return EN_CURSO


async def ver_miniatura(db: AsyncSession, archivo_id: uuid.UUID, por: Usuario) -> ArchivoVersion:
    """The current version of an archivo `por` may see, once it has a thumbnail; before, a
    404 saying why (still being digitised, or it could not be). Both are recorded."""
    archivo = await acceso.archivo_visible(db, archivo_id, por, VER_MINIATURA)
    version = await acceso.version_de(db, archivo, archivo.version_actual, por, VER_MINIATURA)
    recurso = acceso.recurso(archivo_id)
    if version.miniatura is None:
        raise audit.denegar(
            NoEncontrado(_por_que_no_hay(version)),
            por,
            VER_MINIATURA,
            recurso,
            expediente_id=archivo.expediente_id,
            detalle={"version": version.n, "estado": version.estado_procesamiento},
        )
    await audit.lectura(
        db,
        por,
        VER_MINIATURA,
        recurso,
        expediente_id=archivo.expediente_id,
        detalle={"version": version.n},
    )
    return version
