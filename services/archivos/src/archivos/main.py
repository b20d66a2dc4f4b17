"""The archivos service: app factory and process entrypoints."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from archivos.consumers import HANDLERS
from archivos.digitalizacion.worker import COLA, cola_al_conectar, soltar_cola
from archivos.events import PUBLICA
from archivos.routes import ROUTERS
from archivos.routes.subida import REEMPLAZAR, SUBIR
from archivos.service.recepcion import MARGEN_FORMULARIO
from archivos.settings import Settings
from archivos.storage import open_storage, storage_ready
from sigexp_common.app import ServiceSpec, create_app


def build_spec(settings: Settings | None = None) -> ServiceSpec:
    settings = settings or Settings()
    # The uploads' own limit (413 with the file's maximum) is checked as the file streams;
    # the edge's, a little above it, only stops what is no form at all.
    subida = settings.max_upload_bytes + MARGEN_FORMULARIO
    return ServiceSpec(
        name="archivos",
        title="SIGEXP archivos",
        settings=settings,
        migrations_dir=Path(__file__).parent / "migrations",
        routers=ROUTERS,
        handlers=HANDLERS,
        publica=PUBLICA,
        ready_checks={"storage": storage_ready},
        on_startup=[open_storage, cola_al_conectar],
        on_shutdown=[soltar_cola],
        queues=[COLA],
        body_limits={SUBIR: subida + 1, REEMPLAZAR: subida + 1},
    )


def app() -> FastAPI:
    """ASGI factory: `uvicorn --factory archivos.main:app`."""
    return create_app(build_spec())
