"""The integraciones service: app factory and process entrypoints."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from integraciones import despacho
from integraciones.consumers import HANDLERS
from integraciones.events import PUBLICA
from integraciones.routes import credenciales, router
from integraciones.settings import Settings
from sigexp_common.app import ServiceSpec, create_app


def build_spec(settings: Settings | None = None) -> ServiceSpec:
    return ServiceSpec(
        name="integraciones",
        title="SIGEXP integraciones",
        settings=settings or Settings(),
        migrations_dir=Path(__file__).parent / "migrations",
        routers=[credenciales, router],
        handlers=HANDLERS,
        publica=PUBLICA,
        deliveries=[despacho.correr],  # sigexp.publico and the deliveries, beside the relay
    )


def app() -> FastAPI:
    """ASGI factory: `uvicorn --factory integraciones.main:app`."""
    return create_app(build_spec())
