"""`make bench-ocr`: OCR throughput of the digitisation workers with 1 and with 2 worker
processes, on the same 40 generated scanned pages, in the same run (issue 12: 2 workers at
least 1.7x one).

Each page is an archivo (a noisy, slightly rotated A4 scan at 200 dpi with Spanish text, drawn
with Pillow) stored in a throwaway database and a nanio bucket; the clock runs from the
publication of its 40 `sigexp.archivo.adjuntado.v1` until all 40 versions are LISTO, through
`python -m archivos worker --concurrency 1` processes (download, SHA-256 check, child process,
tesseract `-l spa` with one thread, thumbnail and text stored, outcome committed). Every round
uses fresh archivos. A worker holds one job at a time, so two workers need two cores to reach
2x: the report says how many this process may use and the load while it ran. Needs the local
PostgreSQL and RabbitMQ; everything it starts is stopped and its database and vhost dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aio_pika
from minio import Minio
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "services" / "archivos" / "tests"))

import escaneos  # noqa: E402  (the scanned pages of archivos' tests)

from archivos.digitalizacion.cola import COLA, declarar_cola  # noqa: E402
from archivos.main import build_spec  # noqa: E402
from archivos.models import Archivo, ArchivoVersion, clave_objeto  # noqa: E402
from archivos.settings import Settings  # noqa: E402
from sigexp_common.broker import Broker  # noqa: E402
from sigexp_common.db import make_engine, transaction  # noqa: E402
from sigexp_common.envelope import Envelope  # noqa: E402
from sigexp_common.ids import uuid7  # noqa: E402
from sigexp_common.migrations import upgrade  # noqa: E402
from sigexp_common.settings import available_cores  # noqa: E402
from sigexp_testing.infra import local_infra, start_nanio  # noqa: E402

OBJETIVO = 1.7


def _paginas(cuantas: int) -> list[bytes]:
    """`cuantas` different scanned pages, as PNG files."""
    return [
        escaneos.png(
            escaneos.pagina(
                [f"EXPEDIENTE {n + 1}-2026", "", *escaneos.lineas(escaneos.PARRAFO)], semilla=n
            )
        )
        for n in range(cuantas)
    ]


def _entorno(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "ARCHIVOS_DATABASE_URL": settings.database_url,
        "ARCHIVOS_AMQP_URL": settings.amqp_url,
        "ARCHIVOS_S3_ENDPOINT": settings.s3_endpoint,
        "ARCHIVOS_S3_ACCESS_KEY": settings.s3_access_key,
        "ARCHIVOS_S3_SECRET_KEY": settings.s3_secret_key,
        "ARCHIVOS_S3_BUCKET": settings.s3_bucket,
        "ARCHIVOS_MIGRATE_ON_START": "false",
        "ARCHIVOS_LOG_LEVEL": "WARNING",
    }


async def _guardar(settings: Settings, s3: Minio, paginas: list[bytes]) -> list[Envelope]:
    """The pages as archivos (rows and objects) and the events that announce them."""
    engine = make_engine(settings.database_url, pool_size=2)
    sessions = build_spec(settings).sessions(engine)
    eventos = []
    usuario = uuid.uuid4()
    try:
        async with transaction(sessions) as db:
            for contenido in paginas:
                archivo_id, expediente_id = uuid7(), uuid7()
                objeto = clave_objeto(archivo_id)
                await asyncio.to_thread(
                    s3.put_object, settings.s3_bucket, objeto, io.BytesIO(contenido), len(contenido)
                )
                sha = hashlib.sha256(contenido).hexdigest()
                db.add(
                    Archivo(
                        id=archivo_id,
                        expediente_id=expediente_id,
                        nombre="escaneo.png",
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
                        nombre="escaneo.png",
                        tipo_mime="image/png",
                        tamanio=len(contenido),
                        sha256=sha,
                        subido_por=usuario,
                    )
                )
                datos = {
                    "archivo_id": str(archivo_id),
                    "expediente_id": str(expediente_id),
                    "version": 1,
                    "objeto": objeto,
                    "sha256": sha,
                    "nombre": "escaneo.png",
                    "tipo_mime": "image/png",
                    "tamanio": len(contenido),
                    "por_usuario_id": str(usuario),
                    "por_usuario": "bench",
                    "por_mesa_id": None,
                    "en": datetime.now(UTC).isoformat(),
                }
                eventos.append(
                    Envelope(
                        source="/sigexp/archivos",
                        type="sigexp.archivo.adjuntado.v1",
                        subject=str(archivo_id),
                        sequence=1,
                        data=datos,
                    )
                )
    finally:
        await engine.dispose()
    return eventos


async def _consumidores(amqp_url: str) -> int:
    conexion = await aio_pika.connect(amqp_url)
    try:
        cola = await (await conexion.channel()).declare_queue(COLA, passive=True)
        return int(cola.declaration_result.consumer_count or 0)
    finally:
        await conexion.close()


async def _listos(settings: Settings, ids: list[uuid.UUID]) -> int:
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        async with engine.connect() as conexion:
            consulta = select(func.count()).where(
                ArchivoVersion.archivo_id.in_(ids), ArchivoVersion.estado_procesamiento == "LISTO"
            )
            return int((await conexion.execute(consulta)).scalar_one())
    finally:
        await engine.dispose()


def _arrancar(settings: Settings, workers: int) -> list[subprocess.Popen[bytes]]:
    return [
        subprocess.Popen(
            [sys.executable, "-m", "archivos", "worker", "--concurrency", "1"],
            env=_entorno(settings),
            start_new_session=True,
        )
        for _ in range(workers)
    ]


async def ronda(
    settings: Settings, s3: Minio, paginas: list[bytes], workers: int
) -> dict[str, Any]:
    """Pages per second with `workers` worker processes, from publication to the last LISTO."""
    eventos = await _guardar(settings, s3, paginas)
    ids = [uuid.UUID(e.data["archivo_id"]) for e in eventos]
    procesos = _arrancar(settings, workers)
    broker = Broker(settings.amqp_url, settings.exchange)
    await broker.connect()
    try:
        while await _consumidores(settings.amqp_url) < workers:  # noqa: ASYNC110 - polling
            await asyncio.sleep(0.2)
        carga_antes = os.getloadavg()[0]
        inicio = time.monotonic()
        for evento in eventos:
            await broker.publish(evento.to_bytes(), evento.type, message_id=str(evento.id))
        while (listos := await _listos(settings, ids)) < len(ids):  # noqa: ASYNC110 - polling
            await asyncio.sleep(0.25)
        segundos = time.monotonic() - inicio
    finally:
        await broker.close()
        for proceso in procesos:
            os.killpg(proceso.pid, signal.SIGTERM)
        for proceso in procesos:
            proceso.wait(30)
    return {
        "workers": workers,
        "paginas": listos,
        "segundos": round(segundos, 2),
        "paginas_por_segundo": round(listos / segundos, 3),
        "carga_1min_antes": round(carga_antes, 2),
        "carga_1min_despues": round(os.getloadavg()[0], 2),
    }


async def medir(settings: Settings, paginas: list[bytes], rondas: int) -> list[dict[str, Any]]:
    s3 = Minio(settings.s3_endpoint, settings.s3_access_key, settings.s3_secret_key, secure=False)
    if not s3.bucket_exists(settings.s3_bucket):
        s3.make_bucket(settings.s3_bucket)
    broker = Broker(settings.amqp_url, settings.exchange)
    await broker.connect()
    try:
        await declarar_cola(broker, settings)
    finally:
        await broker.close()
    resultados = []
    for _ in range(rondas):
        for workers in (1, 2):
            resultado = await ronda(settings, s3, paginas, workers)
            print(json.dumps(resultado), flush=True)
            resultados.append(resultado)
    return resultados


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paginas", type=int, default=40)
    parser.add_argument("--rondas", type=int, default=1, help="1-worker/2-worker pairs")
    parser.add_argument("--salida", type=Path, help="the figures as rows (resumen.py) here too")
    args = parser.parse_args()
    paginas = _paginas(args.paginas)
    with ExitStack() as stack:
        infra = local_infra(stack)
        s3 = start_nanio(stack)
        settings = Settings(
            database_url=infra.database_url("archivos_bench_ocr"),
            amqp_url=infra.amqp_url,
            s3_endpoint=s3.endpoint,
            s3_access_key=s3.access_key,
            s3_secret_key=s3.secret_key,
            s3_bucket="sigexp-bench-ocr",
        )
        upgrade(build_spec(settings).migrations_dir, settings.database_url)
        resultados = asyncio.run(medir(settings, paginas, args.rondas))
    uno = max(r["paginas_por_segundo"] for r in resultados if r["workers"] == 1)
    dos = max(r["paginas_por_segundo"] for r in resultados if r["workers"] == 2)
    razon = dos / uno
    informe = {
        "fecha": datetime.now(UTC).isoformat(timespec="seconds"),
        "nucleos": available_cores(),
        "paginas": args.paginas,
        "rondas": resultados,
        "un_worker_paginas_por_segundo": uno,
        "dos_workers_paginas_por_segundo": dos,
        "razon": round(razon, 2),
        "objetivo": OBJETIVO,
        "cumple": razon >= OBJETIVO,
    }
    print()
    print(f"núcleos disponibles: {informe['nucleos']}   páginas por ronda: {args.paginas}")
    print(f"1 worker : {uno:.3f} páginas/s")
    print(f"2 workers: {dos:.3f} páginas/s")
    veredicto = "CUMPLE" if informe["cumple"] else "NO CUMPLE"
    print(f"razón 2/1: {razon:.2f}  (objetivo ≥ {OBJETIVO})  {veredicto}")
    cargas = ", ".join(f"{r['carga_1min_antes']}→{r['carga_1min_despues']}" for r in resultados)
    print(f"carga (1 min) de cada ronda: {cargas}")
    destino = ROOT / "bench" / "results" / f"ocr-{datetime.now(UTC):%Y-%m-%dT%H%M%S}.json"
    destino.write_text(json.dumps(informe, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"escrito {destino.relative_to(ROOT)}")
    if args.salida:
        import resumen

        filas = [
            resumen.fila("ocr_1_worker", "OCR con 1 worker", uno, "páginas/s"),
            resumen.fila(
                "ocr_2_workers",
                f"OCR con 2 workers ({informe['nucleos']} núcleos disponibles)",
                dos,
                "páginas/s",
                base=uno,
                base_etiqueta="1 worker",
                objetivo=f">= {OBJETIVO}× un worker",
                meta=(">=", OBJETIVO),
                sobre_ratio=True,
            ),
        ]
        resumen.escribir(args.salida, "ocr.py", filas)


if __name__ == "__main__":
    main()
