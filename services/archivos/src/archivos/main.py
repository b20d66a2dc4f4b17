"""The archivos service: app factory and process entrypoints."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from archivos.consumers import HANDLERS
from archivos.digitalizacion.worker import cola_al_conectar, soltar_cola
from archivos.events import PUBLICA
from archivos.settings import Settings
from archivos.storage import open_storage, storage_ready
from sigexp_common.app import ServiceSpec, create_app


def build_spec(settings: Settings | None = None) -> ServiceSpec:
    return ServiceSpec(
        name="archivos",
        title="SIGEXP archivos",
        settings=settings or Settings(),
        migrations_dir=Path(__file__).parent / "migrations",
        handlers=HANDLERS,
        publica=PUBLICA,
        ready_checks={"storage": storage_ready},
        on_startup=[open_storage, cola_al_conectar],
        on_shutdown=[soltar_cola],
    )


def app() -> FastAPI:
    """ASGI factory: `uvicorn --factory archivos.main:app`."""
    return create_app(build_spec())
