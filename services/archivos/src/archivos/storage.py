"""S3 object storage through the `minio` client: MinIO, nanio or any S3 drop in by settings.

An upload streams (`Envio`): the request's bytes fill a part in memory, and each full part
goes up in a thread while the next fills, a few at once, so at most a few parts are ever in
memory, whatever the size of the file. The SHA-256 is computed as the bytes pass.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from fastapi import FastAPI
from minio import Minio
from minio.datatypes import Part
from minio.error import S3Error

from archivos.memoria import devolver_memoria
from archivos.settings import MIB, Settings

TROZO = 256 * 1024  # bytes read from the storage per step of a download
HILOS = 16  # threads for the storage calls of uploads (each part going up holds one)
NO_EXISTE = frozenset({"NoSuchKey", "NoSuchObject"})
T = TypeVar("T")
Trozo = bytes | bytearray | memoryview  # what an upload is fed


def make_client(settings: Settings, endpoint: str | None = None) -> Minio:
    return Minio(
        endpoint or settings.s3_endpoint,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key,
        secure=settings.s3_secure,
        region=settings.s3_region,
    )


async def open_storage(app: FastAPI) -> None:
    app.state.almacen = Almacen(app.state.settings)
    await asyncio.to_thread(app.state.almacen.asegurar_bucket)
    devolver_memoria()


async def storage_ready(app: FastAPI) -> bool:
    return bool(await asyncio.to_thread(app.state.almacen.listo))


class SinAlmacen(Exception):
    """The storage refused a piece of an upload or did not answer (the cause is chained)."""


class Envio:
    """One object going up as it arrives: `escribir` from the event loop fills a part in
    memory; each full part goes up in a thread while the next fills, at most
    `s3_subidas_paralelas` at once (then `escribir` waits, and so does the client). The
    SHA-256 is computed as the bytes pass. A file smaller than a part is one plain PUT.

    Why not `put_object(length=-1)` over a pipe: its reading loop joins what each `read`
    answers and slices off a byte it reads ahead, copying every part two or three times
    more (CPU and transient memory), and hands no part over before it read one byte past it.
    Here each byte is copied once, into its part, which goes to `minio` as it is. The calls
    are the ones `put_object` itself makes (`_create_multipart_upload`, `_upload_part`,
    `_complete_multipart_upload`, `_abort_multipart_upload`), internal to minio-py, which
    has no public per-part API: the lockfile pins the version and the upload tests run them
    against a real server."""

    def __init__(self, almacen: Almacen, clave: str, tipo: str) -> None:
        self._almacen, self.clave, self.tipo = almacen, clave, tipo
        settings = almacen.settings
        self._tamanio_parte = settings.s3_part_mb * MIB
        self._lugares = asyncio.Semaphore(settings.s3_subidas_paralelas)
        self._parte = bytearray()
        self._subidas: list[asyncio.Future[Part]] = []
        self._upload_id: str | None = None
        self._error: BaseException | None = None
        self._cerrado = False  # the multipart upload completed or dropped
        self.sha256 = hashlib.sha256()
        self.tamanio = 0

    async def escribir(self, datos: Trozo) -> None:
        self._revisar()
        self.sha256.update(datos)  # hashlib lets go of the GIL for pieces this size
        self.tamanio += len(datos)
        vista = memoryview(datos)
        while vista:
            cabe = self._tamanio_parte - len(self._parte)
            self._parte += vista[:cabe]
            vista = vista[cabe:]
            if len(self._parte) == self._tamanio_parte:
                await self._enviar_parte()

    async def terminar(self) -> None:
        """Everything was written: the last part goes up and the object is completed (or,
        if the storage fails, the multipart upload is dropped)."""
        self._revisar()
        if self._upload_id is None:  # it all fits in one part
            await self._hilo(self._almacen.poner, self.clave, bytes(self._parte), self.tipo)
            return
        try:
            if self._parte:
                await self._enviar_parte()
            try:
                partes = await asyncio.gather(*self._subidas)
            except Exception as exc:
                raise SinAlmacen from exc
            await self._hilo(self._almacen.completar, self.clave, self._upload_id, partes)
            self._cerrado = True  # an object now: nothing to drop
        except BaseException:
            await self.abortar()
            raise

    async def abortar(self) -> None:
        """Give up: wait for the parts in flight and drop the multipart upload (best effort:
        what the storage keeps of it is not an object; its lifecycle rule expires it)."""
        await asyncio.gather(*self._subidas, return_exceptions=True)
        if self._upload_id is not None and not self._cerrado:
            self._cerrado = True
            with contextlib.suppress(Exception):
                await self._hilo(self._almacen.desistir, self.clave, self._upload_id)

    def _revisar(self) -> None:
        if self._error is not None:
            raise SinAlmacen from self._error

    async def _enviar_parte(self) -> None:
        parte, self._parte = self._parte, bytearray()
        if self._upload_id is None:
            self._upload_id = await self._hilo(self._almacen.empezar, self.clave, self.tipo)
        await self._lugares.acquire()
        if self._error is not None:  # a part failed meanwhile: this one would go in vain
            self._lugares.release()
            self._revisar()
        numero = len(self._subidas) + 1
        almacen = self._almacen
        subida = asyncio.get_running_loop().run_in_executor(
            almacen.hilos, almacen.subir_parte, self.clave, self._upload_id, numero, parte
        )
        subida.add_done_callback(self._parte_terminada)
        self._subidas.append(subida)

    def _parte_terminada(self, subida: asyncio.Future[Part]) -> None:
        self._lugares.release()
        if not subida.cancelled() and (error := subida.exception()) is not None:
            self._error = self._error or error

    async def _hilo(self, funcion: Callable[..., T], *args: Any) -> T:
        """A blocking call of the storage, in its threads; its failure is `SinAlmacen`."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._almacen.hilos, funcion, *args)
        except Exception as exc:
            raise SinAlmacen from exc


class Almacen:
    """The bucket of the service, through `minio`; each call blocks (run it in a thread), but
    for `leer`, which streams asynchronously."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.bucket = settings.s3_bucket
        self.client = make_client(settings)
        # Threads of the blocking calls of uploads (parts of several at once), apart from
        # asyncio's default pool so many uploads never keep other work waiting for a thread.
        self.hilos = ThreadPoolExecutor(HILOS, thread_name_prefix="s3")
        # Signing is local: a client for the address users reach, told its region.
        self.publico = make_client(settings, settings.s3_endpoint_publico)

    def asegurar_bucket(self) -> None:
        if not self.client.bucket_exists(self.bucket):
            self.client.make_bucket(self.bucket)

    def listo(self) -> bool:
        return bool(self.client.bucket_exists(self.bucket))

    def envio(self, clave: str, tipo: str) -> Envio:
        """An upload to the object `clave`, fed as its bytes arrive (`Envio`)."""
        return Envio(self, clave, tipo)

    def poner(self, clave: str, datos: bytes, tipo: str) -> None:
        self.client.put_object(self.bucket, clave, io.BytesIO(datos), len(datos), content_type=tipo)

    def empezar(self, clave: str, tipo: str) -> str:
        """A multipart upload of `clave`: its id."""
        return self.client._create_multipart_upload(self.bucket, clave, {"Content-Type": tipo})

    def subir_parte(self, clave: str, upload_id: str, numero: int, datos: bytearray) -> Part:
        # minio hashes, sizes and sends any bytes-like body (its hint says bytes): the part
        # goes as it is, not copied again.
        cuerpo: Any = datos
        etag = self.client._upload_part(self.bucket, clave, cuerpo, None, upload_id, numero)
        return Part(numero, etag)

    def completar(self, clave: str, upload_id: str, partes: list[Part]) -> None:
        self.client._complete_multipart_upload(self.bucket, clave, upload_id, partes)

    def desistir(self, clave: str, upload_id: str) -> None:
        self.client._abort_multipart_upload(self.bucket, clave, upload_id)

    def borrar(self, clave: str) -> None:
        """Remove an object; one that is not there is already removed."""
        self.client.remove_object(self.bucket, clave)

    def existe(self, clave: str) -> bool:
        try:
            self.client.stat_object(self.bucket, clave)
        except S3Error as exc:
            if exc.code in NO_EXISTE:
                return False
            raise
        return True

    def listar(self, prefijo: str) -> Iterator[Objeto]:
        for obj in self.client.list_objects(self.bucket, prefix=prefijo, recursive=True):
            if obj.object_name is not None:
                yield Objeto(obj.object_name, obj.size or 0, obj.last_modified)

    def url_firmada(self, clave: str, respuesta: dict[str, str]) -> str:
        """A GET URL of the object valid `descarga_presigned_segundos`; `respuesta` sets the
        headers the storage answers with (`response-content-disposition`, ...)."""
        return self.publico.presigned_get_object(
            self.bucket,
            clave,
            expires=timedelta(seconds=self.settings.descarga_presigned_segundos),
            response_headers=respuesta,  # type: ignore[arg-type]
        )

    async def abrir(self, clave: str, desde: int, cuanto: int) -> AsyncIterator[bytes]:
        """`cuanto` bytes of the object from `desde`: the storage is asked now (a missing
        object raises `S3Error` here, before any answer starts), the bytes come as iterated."""
        respuesta: Any = await asyncio.to_thread(
            self.client.get_object, self.bucket, clave, offset=desde, length=cuanto
        )
        return _bytes_de(respuesta)


async def _bytes_de(respuesta: Any) -> AsyncIterator[bytes]:
    try:
        trozos = respuesta.stream(TROZO)
        while trozo := await asyncio.to_thread(next, trozos, b""):
            yield trozo
    finally:
        respuesta.close()
        respuesta.release_conn()


@dataclass(frozen=True)
class Objeto:
    clave: str
    tamanio: int
    modificado: datetime | None
