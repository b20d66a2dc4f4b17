"""The auth service: who is who (accounts, profiles, tokens) and where is what (catalogue)."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import cast

from fastapi import FastAPI

from auth import mail
from auth.events import PUBLICA
from auth.routes import routers
from auth.routes.feriados import RUTA_IMPORTAR as RUTA_IMPORTAR_FERIADOS
from auth.service import arranque, revocaciones
from auth.service.claves import VerificadorLocal
from auth.settings import Settings
from sigexp_common.app import ServiceSpec
from sigexp_common.db import transaction
from sigexp_common.revocation import ListaRevocaciones, RevocationSource

MIGRATIONS = Path(__file__).parent / "migrations"


async def _al_iniciar(app: FastAPI) -> None:
    settings = cast(Settings, app.state.settings)
    async with transaction(app.state.sessions) as db:
        await arranque.preparar(db, settings)
    # Auth verifies its own tokens from its database instead of calling its own JWKS.
    await app.state.verifier.aclose()
    app.state.verifier = VerificadorLocal(app.state.sessions, settings)
    correos = mail.enviador(app.state.sessions, settings)
    app.state.correos = correos
    app.state.correos_tarea = asyncio.create_task(correos.run(), name="correos")


async def _al_detener(app: FastAPI) -> None:
    tarea: asyncio.Task[None] | None = getattr(app.state, "correos_tarea", None)
    if tarea is not None:
        tarea.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await tarea


MULTIPART_OVERHEAD = 64 * 1024  # boundaries and part headers around the uploaded file


def _revocaciones_de_la_base(app: FastAPI) -> RevocationSource:
    """auth's own processes load the revoked sessions from its database, not over HTTP."""
    settings = cast(Settings, app.state.settings)

    async def leer() -> ListaRevocaciones:
        async with transaction(app.state.sessions) as db:
            return await revocaciones.lista_vigente(db, settings)

    return leer


def build_spec(settings: Settings | None = None) -> ServiceSpec:
    settings = settings or Settings()
    return ServiceSpec(
        name="auth",
        settings=settings,
        migrations_dir=MIGRATIONS,
        routers=routers,
        publica=PUBLICA,
        on_startup=[_al_iniciar],
        on_shutdown=[_al_detener],
        revocations_source=_revocaciones_de_la_base,
        title="SIGEXP auth: cuentas, perfiles, catálogo y claves",
        body_limits={
            ruta: settings.importacion_max_bytes + MULTIPART_OVERHEAD
            for ruta in ("/api/v1/catalogo/importar", RUTA_IMPORTAR_FERIADOS)
        },
    )
