"""The integraciones service running in-process over real PostgreSQL and RabbitMQ, with
RabbitMQ's management API (the plugin is enabled here when it does not answer)."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

sys.path.insert(0, str(Path(__file__).parent))  # helpers of the suite

from integraciones_ayudas import Certificado, certificado_autofirmado

from integraciones.main import build_spec
from integraciones.settings import Settings
from sigexp_testing.apps import running_app
from sigexp_testing.infra import TestInfra
from sigexp_testing.tokens import TokenFactory


def ajustes(infra: TestInfra, **extra: Any) -> Settings:
    return Settings(
        database_url=infra.database_url("integraciones"),
        amqp_url=infra.amqp_url,
        relay_poll_seconds=0.2,
        despacho_poll_segundos=0.1,
        webhook_reintento_inicial_segundos=0.2,
        webhook_reintento_max_segundos=1.0,
        webhook_timeout_segundos=3.0,
        **extra,
    )


@pytest.fixture
def ajustar(infra: TestInfra) -> Callable[..., Settings]:
    """Settings like the service's under test, with some changed (a test's own dispatcher)."""
    return lambda **extra: ajustes(infra, **extra)


@pytest.fixture(scope="session")
def ca_de_pruebas(tmp_path_factory: pytest.TempPathFactory) -> Certificado:
    return certificado_autofirmado(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
async def servicio(
    infra: TestInfra, tokens: TokenFactory, rabbitmq_management: str, ca_de_pruebas: Certificado
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    settings = ajustes(infra, webhook_ca=str(ca_de_pruebas.cert), webhook_plazo_horas=24.0)
    async with running_app(build_spec(settings), verifier=tokens.verifier()) as app_client:
        yield app_client
        await _borrar_usuarios_del_broker(app_client[0], settings)


async def _borrar_usuarios_del_broker(app: FastAPI, settings: Settings) -> None:
    """Broker users are the node's, not the session vhost's: delete those the tests made."""
    from sqlalchemy import select

    from integraciones.models import Suscriptor
    from integraciones.service.suscriptores import administrador
    from sigexp_common.db import transaction

    async with transaction(app.state.sessions) as db:
        filas = (await db.execute(select(Suscriptor.usuario_broker, Suscriptor.cola))).all()
    async with administrador(settings) as broker:
        for usuario, cola in filas:
            if usuario and cola:
                await broker.revocar(usuario, cola)


@pytest.fixture(scope="session")
def admin(tokens: TokenFactory) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.token('ADMIN', usuario='admin.prueba')}"}
