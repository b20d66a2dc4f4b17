"""What the digitisation tests share: a stored version announced on the bus as arcsub's
upload does it, the procesado events heard on the bus, a worker in-process or as a process."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aio_pika
from fastapi import FastAPI
from minio import Minio

from archivos.digitalizacion.worker import COLA, trabajar
from archivos.main import build_spec
from archivos.models import Archivo, ArchivoVersion, clave_objeto
from archivos.settings import Settings
from sigexp_common.broker import Broker, declare_events_exchange
from sigexp_common.db import transaction
from sigexp_common.envelope import Envelope
from sigexp_common.ids import uuid7
from sigexp_testing.waiting import wait_until

PROCESADO = "sigexp.archivo.procesado.v1"
ESPERA_OCR = 180.0  # a shared 2-core machine: OCR pages take seconds each under load


def cliente_s3(settings: Settings) -> Minio:
    return Minio(
        settings.s3_endpoint,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key,
        secure=settings.s3_secure,
    )


@dataclass
class Subida:
    archivo_id: uuid.UUID
    expediente_id: uuid.UUID
    n: int
    evento: Envelope


async def guardar_version(
    servicio: FastAPI,
    contenido: bytes,
    tipo_mime: str,
    objeto_presente: bool = True,
) -> tuple[uuid.UUID, uuid.UUID]:
    """An archivo with its version 1 stored (rows and object), as an upload leaves it."""
    settings: Settings = servicio.state.settings
    archivo_id, expediente_id, usuario = uuid7(), uuid7(), uuid.uuid4()
    objeto = clave_objeto(archivo_id)
    if objeto_presente:
        await asyncio.to_thread(
            cliente_s3(settings).put_object,
            settings.s3_bucket,
            objeto,
            io.BytesIO(contenido),
            len(contenido),
        )
    async with transaction(servicio.state.sessions) as db:
        db.add(
            Archivo(
                id=archivo_id,
                expediente_id=expediente_id,
                nombre="escaneo",
                version_actual=1,
                creado_por=usuario,
            )
        )
        await db.flush()
        db.add(
            ArchivoVersion(
                archivo_id=archivo_id,
                n=1,
                objeto=objeto,
                nombre="escaneo",
                tipo_mime=tipo_mime,
                tamanio=len(contenido),
                sha256=hashlib.sha256(contenido).hexdigest(),
                subido_por=usuario,
            )
        )
    return archivo_id, expediente_id


async def anunciar(
    bus: Broker, servicio: FastAPI, archivo_id: uuid.UUID, tipo: str = "adjuntado"
) -> Envelope:
    """`sigexp.archivo.<tipo>.v1` of the version's row, as the upload's outbox publishes it."""
    async with transaction(servicio.state.sessions) as db:
        version = await db.get(ArchivoVersion, (archivo_id, 1))
        archivo = await db.get(Archivo, archivo_id)
        assert version is not None
        assert archivo is not None
    datos = {
        "archivo_id": str(archivo_id),
        "expediente_id": str(archivo.expediente_id),
        "version": version.n,
        "nombre": version.nombre,
        "tipo_mime": version.tipo_mime,
        "tamanio": version.tamanio,
        "sha256": version.sha256,
        "objeto": version.objeto,
        "por_usuario_id": str(version.subido_por),
        "por_usuario": "carga.cap",
        "por_mesa_id": None,
        "en": "2026-12-01T12:00:00+00:00",
    }
    evento = Envelope(
        source="/sigexp/archivos",
        type=f"sigexp.archivo.{tipo}.v1",
        subject=str(archivo_id),
        sequence=version.n,
        data=datos,
    )
    await bus.publish(evento.to_bytes(), evento.type, message_id=str(evento.id))
    return evento


async def subir(
    servicio: FastAPI, bus: Broker, contenido: bytes, tipo_mime: str, **opciones: Any
) -> uuid.UUID:
    archivo_id, _ = await guardar_version(servicio, contenido, tipo_mime, **opciones)
    await anunciar(bus, servicio, archivo_id)
    return archivo_id


async def version(servicio: FastAPI, archivo_id: uuid.UUID) -> ArchivoVersion:
    async with transaction(servicio.state.sessions) as db:
        fila = await db.get(ArchivoVersion, (archivo_id, 1), populate_existing=True)
    assert fila is not None
    return fila


async def terminada(servicio: FastAPI, archivo_id: uuid.UUID) -> ArchivoVersion:
    async def final() -> bool:
        return (await version(servicio, archivo_id)).estado_procesamiento in ("LISTO", "ERROR")

    await wait_until(final, timeout=ESPERA_OCR)
    return await version(servicio, archivo_id)


@dataclass
class Procesados:
    """Every `sigexp.archivo.procesado.v1` the bus carried while it listened, by archivo."""

    recibidos: list[Envelope] = field(default_factory=list)

    def de(self, archivo_id: uuid.UUID) -> list[dict[str, Any]]:
        return [e.data for e in self.recibidos if e.data["archivo_id"] == str(archivo_id)]

    async def esperar(self, archivo_id: uuid.UUID) -> dict[str, Any]:
        async def llego() -> bool:
            return bool(self.de(archivo_id))

        await wait_until(llego, timeout=ESPERA_OCR)
        return self.de(archivo_id)[0]


@contextlib.asynccontextmanager
async def escuchar_procesados(amqp_url: str) -> AsyncIterator[Procesados]:
    procesados = Procesados()
    conexion = await aio_pika.connect(amqp_url)
    try:
        canal = await conexion.channel()
        exchange = await declare_events_exchange(conexion, canal)
        cola = await canal.declare_queue(exclusive=True, auto_delete=True)
        await cola.bind(exchange, routing_key=PROCESADO)

        async def recibir(mensaje: aio_pika.abc.AbstractIncomingMessage) -> None:
            procesados.recibidos.append(Envelope.from_bytes(mensaje.body))
            await mensaje.ack()

        await cola.consume(recibir)
        yield procesados
    finally:
        await conexion.close()


@contextlib.asynccontextmanager
async def worker_en_proceso(servicio: FastAPI, concurrencia: int = 1) -> AsyncIterator[None]:
    """A worker running in the test's event loop until the block ends."""
    tarea = asyncio.create_task(trabajar(build_spec(servicio.state.settings), concurrencia))
    try:
        yield
    finally:
        tarea.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await tarea


def entorno(settings: Settings) -> dict[str, str]:
    """The environment a `python -m archivos worker` process reads these settings from."""
    campos = ("database_url", "amqp_url", "s3_endpoint", "s3_access_key", "s3_secret_key")
    valores = {f"ARCHIVOS_{c.upper()}": str(getattr(settings, c)) for c in campos}
    return {
        **os.environ,
        **valores,
        "ARCHIVOS_S3_BUCKET": settings.s3_bucket,
        "ARCHIVOS_S3_SECURE": json.dumps(settings.s3_secure),
        "ARCHIVOS_MIGRATE_ON_START": "false",
    }


def worker_aparte(settings: Settings) -> subprocess.Popen[bytes]:
    """`python -m archivos worker` as a process of its own (its job's child in its group)."""
    return subprocess.Popen(
        [sys.executable, "-m", "archivos", "worker", "--concurrency", "1"],
        env=entorno(settings),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


async def cola_vacia(amqp_url: str) -> None:
    """Wait until the workers' queue holds nothing ready (what earlier tests uploaded is done)."""

    async def vacia() -> bool:
        return await mensajes_en_cola(amqp_url) == 0

    await wait_until(vacia, timeout=ESPERA_OCR)


async def mensajes_en_cola(amqp_url: str, nombre: str = COLA) -> int:
    conexion = await aio_pika.connect(amqp_url)
    try:
        canal = await conexion.channel()
        cola = await canal.declare_queue(nombre, passive=True)
        return int(cola.declaration_result.message_count or 0)
    finally:
        await conexion.close()
