"""The workers' queue as the API sees it: its name and the declaration the API makes on
connecting. Apart from `worker` so the HTTP process never imports what digitising needs
(Pillow, pypdfium2): those cost the API's memory and it never uses them."""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import FastAPI

from archivos.digitalizacion.eventos import TRABAJOS
from archivos.settings import Settings
from sigexp_common.broker import Broker

COLA = "archivos.digitalizacion"  # = `worker-queue` in the pyproject (KEDA scales on it)
SERVICIO = "archivos"


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
