"""Who may read or change an archivo: the scope of its expediente, decided once here.

An archivo out of the user's scope whose expediente is RESERVADO is answered exactly as an
archivo that does not exist (404, same detail, one recorded refusal each); a PUBLICO one, 403.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from archivos.models import Archivo, ArchivoVersion, Custodia, Expediente
from archivos.service import copias
from sigexp_common import alcance, audit
from sigexp_common.errors import Conflicto, NoEncontrado
from sigexp_common.security import Usuario

NO_EXISTE = "El archivo no existe."
NO_EXISTE_VERSION = "Esa versión del archivo no existe."
ELIMINADO = "El archivo fue eliminado: no admite cambios."


def recurso(archivo_id: uuid.UUID) -> str:
    return f"archivo/{archivo_id}"


def _no_existe(por: Usuario, accion: str, archivo_id: uuid.UUID) -> NoEncontrado:
    return audit.denegar(NoEncontrado(NO_EXISTE), por, accion, recurso(archivo_id))


async def archivo_visible(
    db: AsyncSession, archivo_id: uuid.UUID, por: Usuario, accion: str, *, bloquear: bool = False
) -> Archivo:
    """The archivo, if `por` may see its expediente; else the recorded refusal. With
    `bloquear`, its row stays locked until the transaction ends (a new version's number)."""
    consulta = (
        select(Archivo).where(Archivo.id == archivo_id).execution_options(populate_existing=True)
    )
    archivo = await db.scalar(consulta.with_for_update() if bloquear else consulta)
    if archivo is None:
        raise _no_existe(por, accion, archivo_id)
    custodia = await db.get(Custodia, archivo.expediente_id)
    expediente = await db.get(Expediente, archivo.expediente_id)
    if custodia is None or expediente is None or expediente.caracter is None:
        raise _no_existe(por, accion, archivo_id)  # an archivo is only made on a known one
    if not alcance.ve(por, custodia.mesas):
        if expediente.caracter == alcance.RESERVADO:
            raise _no_existe(por, accion, archivo_id)
        raise alcance.rechazo(por, expediente.caracter, accion, archivo.expediente_id, copia=True)
    return archivo


async def archivo_modificable(
    db: AsyncSession, archivo_id: uuid.UUID, por: Usuario, accion: str, *, bloquear: bool = False
) -> Archivo:
    """`archivo_visible`, not deleted, and its expediente not ANULADO (409, recorded)."""
    archivo = await archivo_visible(db, archivo_id, por, accion, bloquear=bloquear)
    if archivo.eliminado_en is not None:
        raise audit.denegar(
            Conflicto(ELIMINADO),
            por,
            accion,
            recurso(archivo_id),
            expediente_id=archivo.expediente_id,
        )
    await copias.expediente_modificable(db, archivo.expediente_id, por, accion)
    return archivo


async def version_de(
    db: AsyncSession, archivo: Archivo, n: int, por: Usuario, accion: str
) -> ArchivoVersion:
    version = await db.get(ArchivoVersion, (archivo.id, n))
    if version is None:
        raise audit.denegar(
            NoEncontrado(NO_EXISTE_VERSION),
            por,
            accion,
            recurso(archivo.id),
            expediente_id=archivo.expediente_id,
            detalle={"version": n},
        )
    return version
