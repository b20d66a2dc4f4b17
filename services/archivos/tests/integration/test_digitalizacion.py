"""Digitisation workers over real PostgreSQL, RabbitMQ, nanio and tesseract-spa: a stored
version announced on the bus ends LISTO with its text in `sigexp.archivo.procesado.v1`, or
ERROR with a reason a person reads, without ever looping; progress is visible page by page;
a worker killed mid-job leaves the job to another."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import escaneos
from digitalizacion_ayudas import (
    anunciar,
    cola_vacia,
    escuchar_procesados,
    mensajes_en_cola,
    subir,
    terminada,
    version,
    worker_aparte,
    worker_en_proceso,
)
from fastapi import FastAPI
from prometheus_client import REGISTRY

from archivos.digitalizacion.worker import COLA
from archivos.storage import make_client
from sigexp_common.broker import Broker
from sigexp_testing.infra import TestInfra
from sigexp_testing.waiting import wait_until

PNG, PDF, TIFF = "image/png", "application/pdf", "image/tiff"


def _trabajos_hechos() -> float:
    return (
        REGISTRY.get_sample_value("sigexp_digitalizacion_seconds_count", {"resultado": "hecho"})
        or 0.0
    )


def _hijos(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()


def _vive(pid: int) -> bool:
    """Running (a zombie waiting for init to reap it is dead already)."""
    try:
        estado = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return estado != "Z"


async def test_un_png_escaneado_queda_listo_con_sus_palabras_en_el_evento(
    servicio: FastAPI, bus: Broker, infra: TestInfra
) -> None:
    contenido = escaneos.png(escaneos.paginas_del_parrafo(1, "RESOLUCIÓN")[0])
    hechos = _trabajos_hechos()
    async with escuchar_procesados(infra.amqp_url) as procesados, worker_en_proceso(servicio):
        archivo_id = await subir(servicio, bus, contenido, PNG)
        evento = await procesados.esperar(archivo_id)

        async def medido() -> bool:  # the job's duration is in the worker's /metrics
            return _trabajos_hechos() > hechos

        await wait_until(medido)
    assert evento["estado"] == "LISTO"
    assert evento["paginas"] == 1
    assert evento["version"] == 1
    assert evento["texto_truncado"] is False
    assert evento["error"] is None
    for palabra in ("RESOLUCIÓN", "habilitación", "señora", "Rodríguez", "constancia"):
        assert palabra in evento["texto"]
    fila = await version(servicio, archivo_id)
    assert (fila.estado_procesamiento, fila.paginas, fila.paginas_procesadas) == ("LISTO", 1, 1)
    assert fila.miniatura == f"digitalizacion/{archivo_id}/v1/miniatura.png"
    assert fila.procesado_en is not None
    settings = servicio.state.settings
    guardada = await asyncio.to_thread(
        make_client(settings).get_object, settings.s3_bucket, fila.miniatura
    )
    assert guardada.read().startswith(b"\x89PNG")


async def test_un_pdf_con_capa_de_texto_queda_listo_con_ese_texto(
    servicio: FastAPI, bus: Broker, infra: TestInfra
) -> None:
    contenido = escaneos.pdf_con_texto(
        ["Dictamen de la Asesoria Letrada sobre el convenio marco", "Anexo con la planilla"]
    )
    async with escuchar_procesados(infra.amqp_url) as procesados, worker_en_proceso(servicio):
        archivo_id = await subir(servicio, bus, contenido, PDF)
        evento = await procesados.esperar(archivo_id)
    assert (evento["estado"], evento["paginas"]) == ("LISTO", 2)
    assert "Dictamen de la Asesoria Letrada sobre el convenio marco" in evento["texto"]
    assert "Anexo con la planilla" in evento["texto"]


async def test_un_pdf_daniado_termina_en_error_legible_sin_repetirse(
    servicio: FastAPI, bus: Broker, infra: TestInfra
) -> None:
    contenido = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\nbasura sin fin"
    async with escuchar_procesados(infra.amqp_url) as procesados, worker_en_proceso(servicio):
        await cola_vacia(infra.amqp_url)  # the jobs of earlier tests are done
        archivo_id = await subir(servicio, bus, contenido, PDF)
        evento = await procesados.esperar(archivo_id)
        await asyncio.sleep(1.0)  # time for a redelivery, if there were one
        assert await mensajes_en_cola(infra.amqp_url) == 0
        assert await mensajes_en_cola(infra.amqp_url, f"{COLA}.dlq") == 0
        assert len(procesados.de(archivo_id)) == 1
    assert evento["estado"] == "ERROR"
    assert evento["error"] == "El PDF está dañado o incompleto y no se puede leer."
    assert evento["texto"] == ""
    fila = await version(servicio, archivo_id)
    assert fila.estado_procesamiento == "ERROR"
    assert fila.error_procesamiento == "El PDF está dañado o incompleto y no se puede leer."


async def test_un_fallo_ajeno_al_contenido_se_reintenta_acotado_y_termina_en_error(
    servicio: FastAPI, bus: Broker, infra: TestInfra
) -> None:
    # The object is missing from storage: every try fails; the third one gives up.
    contenido = escaneos.png(escaneos.paginas_del_parrafo(1)[0])
    async with escuchar_procesados(infra.amqp_url) as procesados, worker_en_proceso(servicio):
        await cola_vacia(infra.amqp_url)  # the jobs of earlier tests are done
        archivo_id = await subir(servicio, bus, contenido, PNG, objeto_presente=False)
        evento = await procesados.esperar(archivo_id)
        await asyncio.sleep(1.0)
        assert await mensajes_en_cola(infra.amqp_url) == 0
        assert await mensajes_en_cola(infra.amqp_url, f"{COLA}.dlq") == 0
        assert len(procesados.de(archivo_id)) == 1
    assert evento["estado"] == "ERROR"
    assert evento["error"] == "No se pudo digitalizar tras 3 intentos."


async def test_una_version_ya_lista_entregada_otra_vez_no_se_trabaja_de_nuevo(
    servicio: FastAPI, bus: Broker, infra: TestInfra
) -> None:
    contenido = escaneos.pdf_con_texto(["Nota de elevacion al Ministerio"])
    async with escuchar_procesados(infra.amqp_url) as procesados, worker_en_proceso(servicio):
        await cola_vacia(infra.amqp_url)  # the jobs of earlier tests are done
        archivo_id = await subir(servicio, bus, contenido, PDF)
        await procesados.esperar(archivo_id)
        antes = await version(servicio, archivo_id)
        await anunciar(bus, servicio, archivo_id)  # the same version, delivered again

        await cola_vacia(infra.amqp_url)
        await asyncio.sleep(1.0)
        assert len(procesados.de(archivo_id)) == 1
    despues = await version(servicio, archivo_id)
    assert (despues.estado_procesamiento, despues.procesado_en) == ("LISTO", antes.procesado_en)


async def test_el_progreso_de_un_ocr_largo_se_ve_pagina_por_pagina(
    servicio: FastAPI, bus: Broker
) -> None:
    contenido = escaneos.tiff(escaneos.paginas_del_parrafo(4, "FOJA"))
    vistos: set[tuple[str, int | None, int]] = set()
    async with worker_en_proceso(servicio):
        archivo_id = await subir(servicio, bus, contenido, TIFF)

        async def terminado() -> bool:
            fila = await version(servicio, archivo_id)
            vistos.add((fila.estado_procesamiento, fila.paginas, fila.paginas_procesadas))
            return fila.estado_procesamiento == "LISTO"

        await wait_until(terminado, timeout=180)
    a_medias = {(e, t, h) for e, t, h in vistos if e == "PROCESANDO" and t == 4 and 0 < h < 4}
    assert a_medias, f"no intermediate progress seen: {sorted(vistos, key=str)}"
    assert ("LISTO", 4, 4) in vistos


async def test_un_worker_muerto_a_mitad_de_trabajo_lo_deja_a_otro(
    servicio: FastAPI, bus: Broker, infra: TestInfra
) -> None:
    contenido = escaneos.tiff(escaneos.paginas_del_parrafo(5, "FOLIO"))
    settings = servicio.state.settings
    async with escuchar_procesados(infra.amqp_url) as procesados:
        primero = worker_aparte(settings)
        try:
            archivo_id = await subir(servicio, bus, contenido, TIFF)

            async def a_medias() -> bool:
                return (await version(servicio, archivo_id)).paginas_procesadas >= 1

            await wait_until(a_medias, timeout=180)
            hijos = _hijos(primero.pid)
            assert len(hijos) == 1  # the job's child process
            os.kill(primero.pid, signal.SIGKILL)  # the worker alone, as the OOM killer does
            await asyncio.to_thread(primero.wait)

            async def sin_hijo() -> bool:
                return not _vive(int(hijos[0]))

            await wait_until(sin_hijo)  # it died with its worker
        finally:
            if primero.poll() is None:
                os.killpg(primero.pid, signal.SIGKILL)
        interrumpida = await version(servicio, archivo_id)
        assert interrumpida.estado_procesamiento == "PROCESANDO"
        assert interrumpida.paginas_procesadas < 5
        async with worker_en_proceso(servicio):
            evento = await procesados.esperar(archivo_id)
    assert (evento["estado"], evento["paginas"]) == ("LISTO", 5)
    for folio in range(1, 6):
        assert f"FOLIO {folio}-2026" in evento["texto"]
    assert len(procesados.de(archivo_id)) == 1
    fila = await terminada(servicio, archivo_id)
    assert (fila.estado_procesamiento, fila.paginas_procesadas) == ("LISTO", 5)
