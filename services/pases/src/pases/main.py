"""The pases service: app factory and process entrypoints."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import cast

from fastapi import FastAPI

from pases import mail
from pases.consumers import HANDLERS
from pases.events import PUBLICA
from pases.routes import ROUTERS
from pases.settings import Settings
from sigexp_common.app import ServiceSpec, create_app


async def _al_iniciar(app: FastAPI) -> None:
    """Every serving process sends the queued arrival notices (as auth sends its mail)."""
    correos = mail.enviador(app.state.sessions, cast(Settings, app.state.settings))
    app.state.correos_tarea = asyncio.create_task(correos.run(), name="correos")


async def _al_detener(app: FastAPI) -> None:
    tarea: asyncio.Task[None] | None = getattr(app.state, "correos_tarea", None)
    if tarea is not None:
        tarea.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await tarea


def build_spec(settings: Settings | None = None) -> ServiceSpec:
    return ServiceSpec(
        name="pases",
        title="SIGEXP pases",
        settings=settings or Settings(),
        migrations_dir=Path(__file__).parent / "migrations",
        routers=ROUTERS,
        handlers=HANDLERS,
        publica=PUBLICA,
        on_startup=[_al_iniciar],
        on_shutdown=[_al_detener],
    )


def app() -> FastAPI:
    """ASGI factory: `uvicorn --factory pases.main:app`."""
    return create_app(build_spec())
