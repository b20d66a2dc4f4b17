"""The pases service: app factory and process entrypoints."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from pases.consumers import HANDLERS
from pases.events import PUBLICA
from pases.routes import ROUTERS
from pases.settings import Settings
from sigexp_common.app import ServiceSpec, create_app


def build_spec(settings: Settings | None = None) -> ServiceSpec:
    return ServiceSpec(
        name="pases",
        title="SIGEXP pases",
        settings=settings or Settings(),
        migrations_dir=Path(__file__).parent / "migrations",
        routers=ROUTERS,
        handlers=HANDLERS,
        publica=PUBLICA,
    )


def app() -> FastAPI:
    """ASGI factory: `uvicorn --factory pases.main:app`."""
    return create_app(build_spec())
