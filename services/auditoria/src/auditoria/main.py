"""The auditoria service: app factory and process entrypoints."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from auditoria import anclas
from auditoria.consumers import HANDLERS
from auditoria.events import PUBLICA
from auditoria.routes import router
from auditoria.settings import Settings
from sigexp_common.app import ServiceSpec, create_app


def build_spec(settings: Settings | None = None) -> ServiceSpec:
    return ServiceSpec(
        name="auditoria",
        title="SIGEXP auditoria",
        settings=settings or Settings(),
        migrations_dir=Path(__file__).parent / "migrations",
        routers=[router],
        handlers=HANDLERS,
        publica=PUBLICA,
        on_startup=[anclas.iniciar],
        on_shutdown=[anclas.detener],
    )


def app() -> FastAPI:
    """ASGI factory: `uvicorn --factory auditoria.main:app`."""
    return create_app(build_spec())
