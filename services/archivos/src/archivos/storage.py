"""S3 object storage through the `minio` client: MinIO, nanio or any S3 drop in by settings.

An upload streams: the request's bytes go into a `Tuberia` (a bounded pipe) that `minio`'s
`put_object` reads in a thread, part by part, so at most a few parts are ever in memory,
whatever the size of the file. The SHA-256 is computed in that thread as the bytes pass.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI
from minio import Minio
from minio.error import S3Error

from archivos.memoria import devolver_memoria
from archivos.settings import MIB, Settings

TROZO = 256 * 1024  # bytes read from the storage per step of a download
TUBERIA = 1024 * 1024  # bytes an upload's pipe holds beyond what minio took
NO_EXISTE = frozenset({"NoSuchKey", "NoSuchObject"})


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


class Abortada(Exception):
    """The writer gave up (too large, client gone): the upload must not complete."""


class Tuberia:
    """A bounded pipe from the event loop (`escribir`) to a thread (`read`, what `minio`
    calls). The writer waits while `limite` bytes are buffered and not read; `read(n)` waits
    for `n` bytes, or `limite` of them, or the end, and answers at most `n`."""

    def __init__(self, limite: int) -> None:
        self.limite = limite
        self._buffer = bytearray()
        self._cerrada = False
        self._error: BaseException | None = None
        self._cond = threading.Condition()
        self._loop = asyncio.get_running_loop()
        self._hay_lugar = asyncio.Event()
        self._hay_lugar.set()
        self.sha256 = hashlib.sha256()
        self.leidos = 0

    async def escribir(self, datos: bytes) -> None:
        while True:
            with self._cond:
                if self._error is not None:
                    raise Abortada from self._error
                if len(self._buffer) < self.limite:
                    self._buffer += datos
                    self._cond.notify_all()
                    return
                self._hay_lugar.clear()
            await self._hay_lugar.wait()

    def cerrar(self) -> None:
        with self._cond:
            self._cerrada = True
            self._cond.notify_all()

    def abortar(self, motivo: BaseException) -> None:
        """The reader raises at its next read, so minio aborts its multipart upload."""
        with self._cond:
            self._error = motivo
            self._cond.notify_all()
        self._loop.call_soon_threadsafe(self._hay_lugar.set)

    def read(self, n: int = -1) -> bytes:
        with self._cond:
            # A full pipe cannot grow: then `read` answers what it holds.
            quiere = self.limite if n < 0 else max(1, min(n, self.limite))
            while self._error is None and not self._cerrada and len(self._buffer) < quiere:
                self._cond.wait()
            if self._error is not None:
                raise Abortada("subida abortada") from self._error
            cuanto = len(self._buffer) if n < 0 else min(n, len(self._buffer))
            with memoryview(self._buffer) as vista:
                datos = bytes(vista[:cuanto])  # one copy, not two
            del self._buffer[:cuanto]
        self._loop.call_soon_threadsafe(self._hay_lugar.set)
        self.sha256.update(datos)  # outside the lock; hashlib lets go of the GIL meanwhile
        self.leidos += len(datos)
        return datos


class Almacen:
    """The bucket of the service, through `minio`; each call blocks (run it in a thread), but
    for `leer`, which streams asynchronously."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.bucket = settings.s3_bucket
        self.client = make_client(settings)
        # Signing is local: a client for the address users reach, told its region.
        self.publico = make_client(settings, settings.s3_endpoint_publico)

    def asegurar_bucket(self) -> None:
        if not self.client.bucket_exists(self.bucket):
            self.client.make_bucket(self.bucket)

    def listo(self) -> bool:
        return bool(self.client.bucket_exists(self.bucket))

    def tuberia(self) -> Tuberia:
        """A pipe for one upload: little buffered besides the parts minio holds (the one it
        reads and those going up), so the client waits rather than the memory grows."""
        return Tuberia(TUBERIA)

    def subir(self, clave: str, tuberia: Tuberia, tipo: str) -> None:
        """Stream what `tuberia` carries to the object `clave`."""
        self.client.put_object(
            self.bucket,
            clave,
            tuberia,  # type: ignore[arg-type]  # it has `read`, all that minio asks
            length=-1,
            content_type=tipo,
            part_size=self.settings.s3_part_mb * MIB,
            num_parallel_uploads=self.settings.s3_subidas_paralelas,
        )

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
