"""The worker process: its queue, one job per delivery, acknowledged once its outcome is
committed. `python -m archivos worker [--concurrency N]`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import io
import logging
import signal
import tempfile
import time
from pathlib import Path

from aio_pika.abc import AbstractIncomingMessage
from fastapi import FastAPI
from minio import Minio
from prometheus_client import Histogram, start_http_server
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from archivos.digitalizacion import estado
from archivos.digitalizacion.eventos import TRABAJOS, VersionAdjuntada
from archivos.digitalizacion.hijo import Avance, digitalizar
from archivos.procesamiento import ArchivoIlegible
from archivos.settings import Settings
from archivos.storage import make_client
from sigexp_common import latido
from sigexp_common.app import ServiceSpec
from sigexp_common.broker import Broker
from sigexp_common.db import make_engine, transaction
from sigexp_common.envelope import Envelope

log = logging.getLogger("archivos.digitalizacion")

COLA = "archivos.digitalizacion"  # = `worker-queue` in the pyproject (KEDA scales on it)
SERVICIO = "archivos"
AVANCE_CADA = 0.5  # seconds between two writes of the pages done (the last one always)
PAUSA_MAXIMA = 30.0  # before a failed job is handed back to the queue


class ContenidoDistinto(RuntimeError):
    """The object read from storage is not the bytes the version recorded."""


JOB_SECONDS = Histogram(
    "sigexp_digitalizacion_seconds",
    "One delivery of a digitisation job, by how it ended (hecho, reintento, fallido)",
    ["resultado"],
    buckets=(0.5, 1, 2, 5, 10, 20, 40, 80, 160, 320, 640, 1800),
)


def intento(message: AbstractIncomingMessage) -> int:
    """Which delivery of its message this is, 1 the first: quorum queues count every return
    (a nack, a worker's channel that died) in `x-delivery-count`."""
    contadas = (message.headers or {}).get("x-delivery-count") or 0
    return int(str(contadas)) + 1


class Digitalizador:
    def __init__(
        self, settings: Settings, sessions: async_sessionmaker[AsyncSession], s3: Minio
    ) -> None:
        self.settings, self.sessions, self.s3 = settings, sessions, s3

    async def on_message(self, message: AbstractIncomingMessage) -> None:
        try:
            envelope = Envelope.from_bytes(message.body)
            trabajo = TRABAJOS[envelope.type].from_envelope(envelope)
        except (ValidationError, KeyError):
            log.error("not a job of the workers, dead-lettering", extra={"id": message.message_id})
            await message.reject(requeue=False)
            return
        numero = intento(message)
        empezado = time.monotonic()
        try:
            await self.atender(trabajo, numero)
        except Exception as exc:
            if numero < self.settings.digitalizacion_intentos:
                log.warning(
                    "job failed, to be tried again: %s", exc, extra=self._datos(trabajo, numero)
                )
                JOB_SECONDS.labels("reintento").observe(time.monotonic() - empezado)
                await self._devolver(message, numero)
                return
            log.exception("job failed for the last time", extra=self._datos(trabajo, numero))
            JOB_SECONDS.labels("fallido").observe(time.monotonic() - empezado)
            try:
                await self._fallar(trabajo, f"No se pudo digitalizar tras {numero} intentos.")
            except Exception:  # the database is down too: the queue's own limit bounds it
                log.exception("cannot record the ERROR", extra=self._datos(trabajo, numero))
                await self._devolver(message, numero)
                return
        else:
            JOB_SECONDS.labels("hecho").observe(time.monotonic() - empezado)
        await message.ack()

    @staticmethod
    async def _devolver(message: AbstractIncomingMessage, numero: int) -> None:
        """Back to the queue after a pause that grows with the tries (the message is held
        meanwhile, so it takes one slot of this worker and none of the others)."""
        await asyncio.sleep(min(2.0**numero, PAUSA_MAXIMA))
        await message.nack(requeue=True)

    @staticmethod
    def _datos(trabajo: VersionAdjuntada, numero: int) -> dict[str, object]:
        return {
            "archivo_id": str(trabajo.archivo_id),
            "version": trabajo.version,
            "intento": numero,
        }

    async def atender(self, trabajo: VersionAdjuntada, numero: int) -> None:
        """Digitise one version, or nothing when it is LISTO or ERROR already."""
        async with transaction(self.sessions) as db:
            version = await estado.empezar(db, trabajo.archivo_id, trabajo.version)
        if version is None:
            log.info("nothing to do", extra=self._datos(trabajo, numero))
            return
        if numero > self.settings.digitalizacion_intentos:  # the earlier ones died mid-job
            await self._fallar(
                trabajo, f"La digitalización se interrumpió {numero - 1} veces sin terminar."
            )
            return
        log.info("digitising", extra=self._datos(trabajo, numero))
        with tempfile.TemporaryDirectory(prefix="sigexp-digitalizacion-") as nombre:
            carpeta = Path(nombre)
            entrada = carpeta / "contenido"
            await asyncio.to_thread(
                self.s3.fget_object, self.settings.s3_bucket, version.objeto, str(entrada)
            )
            if await asyncio.to_thread(_sha256, entrada) != version.sha256:
                raise ContenidoDistinto(f"{version.objeto} no es el contenido registrado")
            try:
                hecho = await digitalizar(entrada, carpeta, self.settings, self._avance(trabajo))
            except ArchivoIlegible as ilegible:
                log.info("unreadable: %s", ilegible.motivo, extra=self._datos(trabajo, numero))
                await self._fallar(trabajo, ilegible.motivo)
                return
            miniatura = estado.clave_resultado(trabajo.archivo_id, trabajo.version, "miniatura.png")
            texto = estado.clave_resultado(trabajo.archivo_id, trabajo.version, "texto.txt")
            await self._guardar(miniatura, hecho.miniatura, "image/png")
            await self._guardar(texto, hecho.texto.encode("utf-8"), "text/plain; charset=utf-8")
        async with transaction(self.sessions) as db:
            await estado.terminar(
                db, version, trabajo.expediente_id, hecho.paginas, hecho.texto, miniatura
            )
        log.info("digitised", extra={**self._datos(trabajo, numero), "paginas": hecho.paginas})

    def _avance(self, trabajo: VersionAdjuntada) -> Avance:
        ultimo = 0.0

        async def avanzar(hechas: int, total: int) -> None:
            nonlocal ultimo
            ahora = time.monotonic()
            if hechas not in (0, total) and ahora - ultimo < AVANCE_CADA:
                return
            ultimo = ahora
            async with transaction(self.sessions) as db:
                await estado.avanzar(db, trabajo.archivo_id, trabajo.version, hechas, total)

        return avanzar

    async def _guardar(self, clave: str, datos: bytes, tipo: str) -> None:
        await asyncio.to_thread(
            self.s3.put_object,
            self.settings.s3_bucket,
            clave,
            io.BytesIO(datos),
            len(datos),
            content_type=tipo,
        )

    async def _fallar(self, trabajo: VersionAdjuntada, motivo: str) -> None:
        async with transaction(self.sessions) as db:
            await estado.fallar(
                db, trabajo.archivo_id, trabajo.version, trabajo.expediente_id, motivo
            )


def _sha256(ruta: Path) -> str:
    resumen = hashlib.sha256()
    with ruta.open("rb") as archivo:
        for bloque in iter(lambda: archivo.read(1024 * 1024), b""):
            resumen.update(bloque)
    return resumen.hexdigest()


async def declarar_cola(broker: Broker, settings: Settings) -> None:
    """The workers' queue, its DLQ and bindings (idempotent): declared by the API too, so
    uploads made before any worker ever started wait for one."""
    await broker.declare_topology(SERVICIO, sorted(TRABAJOS), settings.delivery_limit, COLA)


async def cola_al_conectar(app: FastAPI) -> None:
    """The API declares the workers' queue once its broker is connected (in the background:
    the API starts with the broker down too)."""

    async def declarar() -> None:
        await app.state.messaging_ready.wait()
        await declarar_cola(app.state.broker, app.state.settings)

    app.state.cola_digitalizacion = asyncio.create_task(declarar(), name="cola-digitalizacion")


async def soltar_cola(app: FastAPI) -> None:
    app.state.cola_digitalizacion.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await app.state.cola_digitalizacion


async def trabajar(spec: ServiceSpec, concurrencia: int) -> None:
    """Consume the workers' queue, `concurrencia` jobs at once, until cancelled."""
    settings = spec.settings
    assert isinstance(settings, Settings)
    engine = make_engine(settings.database_url, pool_size=concurrencia + 1, max_overflow=0)
    broker = Broker(settings.amqp_url, settings.exchange, prefetch=concurrencia)
    await broker.connect_forever()
    digitalizador = Digitalizador(settings, spec.sessions(engine), make_client(settings))
    try:
        await broker.consume(
            SERVICIO,
            sorted(TRABAJOS),
            digitalizador.on_message,
            settings.delivery_limit,
            queue_name=COLA,
        )
        log.info("worker consuming", extra={"cola": COLA, "concurrencia": concurrencia})
        await asyncio.Event().wait()
    finally:
        await broker.close()
        await engine.dispose()


def worker(spec: ServiceSpec, args: list[str]) -> None:
    """`worker [--concurrency N]`: a digitisation worker process until SIGTERM/SIGINT (jobs in
    flight are abandoned unacknowledged: the broker hands them to another worker)."""
    parser = argparse.ArgumentParser(prog="python -m archivos worker")
    parser.add_argument("--concurrency", type=int, default=None)
    opciones = parser.parse_args(args)
    settings = spec.settings
    assert isinstance(settings, Settings)
    concurrencia = max(1, opciones.concurrency or settings.worker_concurrency)
    if settings.worker_metrics_port:
        start_http_server(settings.worker_metrics_port)  # a thread: /metrics of this worker

    async def hasta_la_senial() -> None:
        tarea = asyncio.create_task(trabajar(spec, concurrencia))
        latiendo = asyncio.create_task(latido.latir(latido.ruta(SERVICIO, "worker")))
        tarea.add_done_callback(lambda _: latiendo.cancel())
        loop = asyncio.get_running_loop()
        for senial in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(senial, tarea.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await tarea

    asyncio.run(hasta_la_senial())
