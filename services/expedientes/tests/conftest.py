"""The expedientes service running in-process over real PostgreSQL and RabbitMQ."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from expedientes.main import build_spec
from expedientes.settings import Settings
from sigexp_common.broker import Broker
from sigexp_common.db import asyncpg_dsn
from sigexp_common.envelope import Envelope
from sigexp_testing.apps import running_app
from sigexp_testing.infra import TestInfra
from sigexp_testing.tokens import TokenFactory
from sigexp_testing.waiting import wait_until


@dataclass
class Mesa:
    """A desk of an organismo, and tokens of people working there."""

    id: uuid.UUID
    organismo_id: uuid.UUID
    codigo: str
    tokens: TokenFactory

    def headers(self, perfil: str = "MESA_ENTRADA", **extra: object) -> dict[str, str]:
        token = self.tokens.token(
            perfil,
            mesa_id=self.id,
            organismo_id=self.organismo_id,
            organismo_codigo=self.codigo,
            **extra,  # type: ignore[arg-type]
        )
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
def settings(infra: TestInfra) -> Settings:
    return Settings(
        database_url=infra.database_url("expedientes"),
        amqp_url=infra.amqp_url,
        relay_poll_seconds=0.2,
    )


TIPOS = ("GENERAL", "LICITACION")  # the tipos the tests' altas use, as auth announces them


async def publicar_tipo(
    bus: Broker, codigo: str, *, activo: bool = True, version: int = 1
) -> Envelope:
    evento = Envelope(
        source="/sigexp/auth",
        type="sigexp.tipo.actualizado.v1",
        subject=codigo,
        sequence=version,
        data={"codigo": codigo, "nombre": codigo.title(), "activo": activo},
    )
    await bus.publish(evento.to_bytes(), evento.type, message_id=str(evento.id))
    return evento


async def tipo_en_la_copia(app: FastAPI, codigo: str, activo: bool = True) -> None:
    async def llego() -> bool:
        async with app.state.engine.connect() as conn:
            fila = await conn.execute(
                text("SELECT activo FROM tipos WHERE codigo = :c"), {"c": codigo}
            )
            return fila.scalar() is activo

    await wait_until(llego)


@pytest.fixture(scope="session")
async def servicio(
    settings: Settings, tokens: TokenFactory, bus: Broker
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    async with running_app(build_spec(settings), verifier=tokens.verifier()) as app_y_cliente:
        for codigo in TIPOS:
            await publicar_tipo(bus, codigo)
        for codigo in TIPOS:
            await tipo_en_la_copia(app_y_cliente[0], codigo)
        yield app_y_cliente


@pytest.fixture(scope="session")
def cliente(servicio: tuple[FastAPI, httpx.AsyncClient]) -> httpx.AsyncClient:
    return servicio[1]


def _mesa(tokens: TokenFactory) -> Mesa:
    codigo = str(100000 + uuid.uuid4().int % 899999)  # a fresh series for each test
    return Mesa(uuid.uuid4(), uuid.uuid4(), codigo, tokens)


@pytest.fixture
def mesa(tokens: TokenFactory) -> Mesa:
    return _mesa(tokens)


@pytest.fixture
def otra_mesa(tokens: TokenFactory) -> Mesa:
    return _mesa(tokens)


@dataclass
class Bus:
    """Events as other services would publish them, and a wait until this service consumed
    them (their ids are in its inbox, whatever each one changed)."""

    broker: Broker
    database_url: str

    async def publicar(
        self, tipo: str, datos: dict[str, object], subject: object, sequence: int | None
    ) -> Envelope:
        fuente = "/sigexp/pases" if tipo.startswith("sigexp.custodia") else "/sigexp/auth"
        evento = Envelope(
            source=fuente, type=tipo, subject=str(subject), sequence=sequence, data=datos
        )
        await self.broker.publish(evento.to_bytes(), tipo, message_id=str(evento.id))
        return evento

    async def repetir(self, evento: Envelope) -> None:
        await self.broker.publish(evento.to_bytes(), evento.type, message_id=str(evento.id))

    async def consumidos(self, *eventos: Envelope) -> None:
        ids = [e.id for e in eventos]
        conexion = await asyncpg.connect(asyncpg_dsn(self.database_url))
        try:

            async def todos() -> bool:
                n = await conexion.fetchval(
                    "SELECT count(*) FROM inbox WHERE event_id = ANY($1::uuid[])", ids
                )
                return bool(n == len(set(ids)))

            await wait_until(todos)
        finally:
            await conexion.close()


@pytest.fixture
def eventos(bus: Broker, settings: Settings) -> Bus:
    return Bus(bus, settings.database_url)


@dataclass
class Tipos:
    """Tipos as auth announces them, and a wait until this service's copy holds one."""

    bus: Broker
    app: FastAPI

    async def publicar(self, codigo: str, *, activo: bool = True, version: int = 1) -> None:
        await publicar_tipo(self.bus, codigo, activo=activo, version=version)
        await tipo_en_la_copia(self.app, codigo, activo)

    async def publicar_sin_esperar(self, codigo: str, *, activo: bool, version: int) -> Envelope:
        return await publicar_tipo(self.bus, codigo, activo=activo, version=version)


@pytest.fixture
def tipos(bus: Broker, servicio: tuple[FastAPI, httpx.AsyncClient]) -> Tipos:
    return Tipos(bus, servicio[0])
