"""The expedientes service: app factory and process entrypoints."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from expedientes.consumers import HANDLERS
from expedientes.events import PUBLICA
from expedientes.memoria import afinar_recolector
from expedientes.routes import ROUTERS
from expedientes.settings import Settings
from sigexp_common.app import ServiceSpec, create_app


def build_spec(settings: Settings | None = None) -> ServiceSpec:
    return ServiceSpec(
        name="expedientes",
        title="SIGEXP expedientes",
        settings=settings or Settings(),
        migrations_dir=Path(__file__).parent / "migrations",
        routers=ROUTERS,
        handlers=HANDLERS,
        publica=PUBLICA,
        on_startup=(afinar_recolector,),
    )


def app() -> FastAPI:
    """ASGI factory: `uvicorn --factory expedientes.main:app`."""
    return create_app(build_spec())
