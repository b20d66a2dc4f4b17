"""The bytes of one upload, from the request to the bucket, with nothing left behind.

`recibir` records the object's key in `objetos_pendientes` (committed before the first byte
goes up), streams the multipart body to the bucket (type by the first bytes, size
bounded, SHA-256 on the way) and answers what it learnt as soon as the body is read, while the
object's last part still goes up. `confirmando` wraps the transaction that writes the
version's rows (meanwhile) and deletes that record, and commits it once the object is
complete: if it does not commit, the object and the record are removed before the error is
answered. A process that dies in between leaves the record (and maybe the object) for
`python -m archivos reconciliar`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from archivos import formulario, tipos
from archivos.models import ObjetoPendiente
from archivos.nombres import nombre_seguro
from archivos.storage import Almacen, Envio, SinAlmacen, Trozo
from sigexp_common.db import transaction
from sigexp_common.errors import (
    CampoInvalido,
    Conflicto,
    DatoInvalido,
    DemasiadoGrande,
    NoDisponible,
    TipoNoAdmitido,
)

log = logging.getLogger("archivos.recepcion")

MAX_DESCRIPCION = 2000
# What a multipart body carries besides the file: bounded text fields and part headers.
MARGEN_FORMULARIO = 1024 * 1024
RECLAMADA = "La subida tardó demasiado y fue descartada; envíe el archivo nuevamente."
SIN_ALMACENAMIENTO = (
    "No se pudo guardar el archivo: el almacenamiento no responde. Intente nuevamente."
)


@dataclass(frozen=True)
class Recibido:
    clave: str
    nombre: str
    descripcion: str | None
    tipo_mime: str
    tamanio: int
    sha256: str
    # The object's last part and its completion, still going when the body has been read:
    # `confirmando` writes the rows meanwhile and commits only once this is done.
    guardado: asyncio.Future[None]


def _demasiado_grande(maximo: int) -> DemasiadoGrande:
    return DemasiadoGrande(f"El archivo supera el máximo de {maximo // (1024 * 1024)} MB.")


def _falta(campo: str, mensaje: str) -> DatoInvalido:
    return DatoInvalido("Revise el formulario.", [CampoInvalido(campo, mensaje)])


class _Subida:
    """One file going up: decides its type from the first bytes, then feeds the storage's
    `Envio` as the bytes arrive."""

    def __init__(self, almacen: Almacen, clave: str, maximo: int) -> None:
        self.almacen, self.clave, self.maximo = almacen, clave, maximo
        self.inicio = bytearray()
        self.tamanio = 0
        self.envio: Envio | None = None
        self.guardado: asyncio.Future[None] | None = None

    async def datos(self, datos: Trozo) -> None:
        self.tamanio += len(datos)
        if self.tamanio > self.maximo:
            raise _demasiado_grande(self.maximo)
        if self.envio is None:
            self.inicio += datos
            if len(self.inicio) >= tipos.CABECERA:
                await self._empezar()
            return
        await self._escribir(datos)

    async def _empezar(self) -> None:
        tipo = tipos.tipo_por_contenido(bytes(self.inicio))
        if tipo is None:
            raise TipoNoAdmitido(tipos.NO_ADMITIDO)
        self.envio = self.almacen.envio(self.clave, tipo)
        inicio, self.inicio = self.inicio, bytearray()
        await self._escribir(inicio)

    async def _escribir(self, datos: Trozo) -> None:
        assert self.envio is not None
        with _si_no_hay_almacen(self.clave):
            await self.envio.escribir(datos)

    async def terminar(self) -> tuple[str, int, str]:
        """The whole file was read: its type, size and SHA-256. The object's last part and
        its completion go on in `guardado`."""
        if self.envio is None:
            if not self.inicio:
                raise _falta(formulario.CAMPO_ARCHIVO, "El archivo está vacío.")
            await self._empezar()
        assert self.envio is not None
        self.guardado = asyncio.ensure_future(self._guardar(self.envio))
        return self.envio.tipo, self.tamanio, self.envio.sha256.hexdigest()

    async def _guardar(self, envio: Envio) -> None:
        with _si_no_hay_almacen(self.clave):
            await envio.terminar()

    async def abortar(self) -> None:
        if self.guardado is not None:
            await _esperar(self.guardado)
        if self.envio is not None:
            await self.envio.abortar()


async def _esperar(tarea: asyncio.Future[None]) -> None:
    """Until `tarea` ends, whatever its outcome (already dealt with by whoever waits)."""
    await asyncio.wait({tarea})
    if not tarea.cancelled():
        tarea.exception()  # retrieved: asyncio would log it as never seen otherwise


@contextlib.contextmanager
def _si_no_hay_almacen(clave: str) -> Iterator[None]:
    try:
        yield
    except SinAlmacen as exc:
        causa = exc.__cause__ or exc
        log.warning("storage refused an upload: %s", causa, extra={"objeto": clave})
        raise NoDisponible(SIN_ALMACENAMIENTO, retry_after=5) from causa


async def recibir(
    db: AsyncSession,
    sesiones: async_sessionmaker[AsyncSession],
    almacen: Almacen,
    clave: str,
    cuerpo: AsyncIterator[bytes],
    content_type: str | None,
    content_length: str | None,
) -> Recibido:
    """Stream the multipart body (`archivo`, `descripcion?`) to the object `clave`. The
    caller's transaction (`db`, which made its checks) commits here with the pending record,
    before the first byte goes up; nothing is held open while the bytes stream."""
    maximo = almacen.settings.max_upload_bytes
    formulario.frontera(content_type)  # 415 before anything is written
    declarado = int(content_length) if content_length and content_length.isdigit() else 0
    if declarado > maximo + MARGEN_FORMULARIO:
        raise _demasiado_grande(maximo)
    db.add(ObjetoPendiente(objeto=clave))
    await db.commit()
    subida = _Subida(almacen, clave, maximo)
    try:
        return await _leer(subida, cuerpo, content_type, clave)
    except BaseException:
        await subida.abortar()
        await descartar(sesiones, almacen, clave)
        raise


async def _leer(
    subida: _Subida, cuerpo: AsyncIterator[bytes], content_type: str | None, clave: str
) -> Recibido:
    nombre: str | None = None
    descripcion: str | None = None
    terminado: tuple[str, int, str] | None = None
    async for parte in formulario.partes(cuerpo, content_type):
        if isinstance(parte, formulario.InicioArchivo):
            if nombre is not None:
                raise _falta(formulario.CAMPO_ARCHIVO, "Envíe un solo archivo.")
            nombre = nombre_seguro(parte.nombre_archivo)
        elif isinstance(parte, formulario.Datos):
            await subida.datos(parte.datos)
        elif isinstance(parte, formulario.FinArchivo):
            terminado = await subida.terminar()
        elif parte.nombre == "descripcion":
            descripcion = _descripcion(parte.valor)
    if nombre is None:
        raise _falta(formulario.CAMPO_ARCHIVO, "Es obligatorio.")
    if terminado is None or subida.guardado is None:  # the body ended inside the file
        raise DatoInvalido(formulario.MAL_FORMADO)
    tipo, tamanio, sha256 = terminado
    return Recibido(clave, nombre, descripcion, tipo, tamanio, sha256, subida.guardado)


def _descripcion(valor: str) -> str | None:
    texto = valor.strip()
    if "\x00" in texto:
        raise _falta("descripcion", "No puede contener caracteres nulos.")
    if len(texto) > MAX_DESCRIPCION:
        raise _falta("descripcion", f"Debe tener como máximo {MAX_DESCRIPCION} caracteres.")
    return texto or None


async def descartar(
    sesiones: async_sessionmaker[AsyncSession], almacen: Almacen, clave: str
) -> None:
    """Remove the object of an upload that will have no row, then its pending record. If
    either fails, the record (or the object) stays for `reconciliar`."""
    try:
        await asyncio.to_thread(almacen.borrar, clave)
        async with transaction(sesiones) as db:
            await db.execute(delete(ObjetoPendiente).where(ObjetoPendiente.objeto == clave))
    except Exception:
        log.exception("an upload's leftovers stay for reconciliar", extra={"objeto": clave})


@contextlib.asynccontextmanager
async def confirmando(
    db: AsyncSession,
    sesiones: async_sessionmaker[AsyncSession],
    almacen: Almacen,
    recibido: Recibido,
) -> AsyncIterator[None]:
    """The block writes the version's rows in `db` while the object's last part goes up;
    then, once the object is complete, they commit here with the removal of the pending
    record. If anything raises (the block, the storage, the commit), the upload's object and
    pending record go, and the error goes on to the client."""
    clave = recibido.clave
    try:
        borrado = await db.execute(delete(ObjetoPendiente).where(ObjetoPendiente.objeto == clave))
        if borrado.rowcount != 1:  # type: ignore[attr-defined]
            # `reconciliar` took this upload for a dead one (it outlasted the grace period)
            raise Conflicto(RECLAMADA)
        yield
        await recibido.guardado  # no row may point to an object not there yet
        await db.commit()
    except BaseException:
        await db.rollback()
        await _esperar(recibido.guardado)  # never remove an object still being made
        await descartar(sesiones, almacen, clave)
        raise
