"""Downloads: the bytes of a version, whole or one HTTP range (RFC 9110 §14), or a presigned
URL of the storage valid a few minutes (setting `ARCHIVOS_DESCARGA`). Each one is recorded."""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from archivos.models import ArchivoVersion
from archivos.nombres import content_disposition
from archivos.service import acceso
from archivos.storage import Almacen
from sigexp_common import audit
from sigexp_common.errors import Conflicto
from sigexp_common.security import Usuario

DESCARGAR = "archivo.descargar"
FALTANTE = (
    "El contenido de esta versión no está en el almacenamiento; la mesa de ayuda puede restaurarlo."
)
_RANGO = re.compile(r"^bytes=(\d*)-(\d*)$")


@dataclass(frozen=True)
class Rango:
    desde: int
    hasta: int  # inclusive

    @property
    def cuanto(self) -> int:
        return self.hasta - self.desde + 1


class RangoNoSatisfacible(Exception):
    """No byte of the file is in the range asked (416, `Content-Range: bytes */size`)."""

    def __init__(self, tamanio: int) -> None:
        super().__init__(tamanio)
        self.tamanio = tamanio


def leer_rango(cabecera: str | None, tamanio: int) -> Rango | None:
    """The one range `cabecera` asks of a file of `tamanio` bytes; None for the whole file
    (no header, or one this server chooses to ignore: several ranges, another unit, or a
    header that does not parse, as RFC 9110 allows)."""
    if not cabecera:
        return None
    encontrado = _RANGO.match(cabecera.strip().replace(" ", ""))
    if encontrado is None:
        return None
    primero, ultimo = encontrado.groups()
    if not primero and not ultimo:
        return None
    if not primero:  # the last `ultimo` bytes
        sufijo = int(ultimo)
        if sufijo == 0 or tamanio == 0:
            raise RangoNoSatisfacible(tamanio)
        return Rango(max(0, tamanio - sufijo), tamanio - 1)
    desde = int(primero)
    hasta = min(int(ultimo), tamanio - 1) if ultimo else tamanio - 1
    if ultimo and int(ultimo) < desde:
        return None  # invalid: ignored
    if desde >= tamanio:
        raise RangoNoSatisfacible(tamanio)
    return Rango(desde, hasta)


@dataclass(frozen=True)
class Descarga:
    version: ArchivoVersion
    rango: Rango | None  # None: the whole file
    url: str | None = None  # set when the client is sent to the storage instead

    @property
    def content_disposition(self) -> str:
        return content_disposition(self.version.nombre)


async def descargar(
    db: AsyncSession,
    almacen: Almacen,
    archivo_id: uuid.UUID,
    n: int | None,
    cabecera_rango: str | None,
    por: Usuario,
) -> Descarga:
    """The version `n` (the current one without it) of an archivo `por` may see."""
    archivo = await acceso.archivo_visible(db, archivo_id, por, DESCARGAR)
    version = await acceso.version_de(db, archivo, n or archivo.version_actual, por, DESCARGAR)
    recurso = acceso.recurso(archivo_id)
    if version.objeto_faltante_en is not None:
        raise audit.denegar(
            Conflicto(FALTANTE), por, DESCARGAR, recurso, expediente_id=archivo.expediente_id
        )
    detalle: dict[str, object] = {"version": version.n, "nombre": version.nombre}
    if almacen.settings.descarga == "presigned":
        url = await asyncio.to_thread(
            almacen.url_firmada,
            version.objeto,
            {
                "response-content-disposition": content_disposition(version.nombre),
                "response-content-type": version.tipo_mime,
            },
        )
        descarga = Descarga(version, None, url)
        detalle["modo"] = "presigned"
    else:
        descarga = Descarga(version, leer_rango(cabecera_rango, version.tamanio))
        if descarga.rango is not None:
            detalle["rango"] = f"{descarga.rango.desde}-{descarga.rango.hasta}"
    await audit.lectura(
        db, por, DESCARGAR, recurso, expediente_id=archivo.expediente_id, detalle=detalle
    )
    return descarga
