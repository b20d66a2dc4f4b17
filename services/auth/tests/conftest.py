"""Fixtures of the auth suite: the real app over PostgreSQL, RabbitMQ and an SMTP catcher."""

from __future__ import annotations

import asyncio
import json
import random
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aio_pika
import httpx
import pytest
from fastapi import FastAPI

from auth.main import build_spec
from auth.settings import Settings
from sigexp_common.testing.apps import running_app
from sigexp_common.testing.infra import TestInfra, free_port
from sigexp_common.testing.mailcatcher import body_text, read_mails, start_mailcatcher

ADMIN_PASSWORD = "dev-insecure-Admin-2026"
PASSWORD_BUENA = "Tornillo-Azul-Maizal-47"


@pytest.fixture(scope="session")
def smtp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """The shared plugin's SMTP catcher on an explicit free port.

    (The plugin's own fixture asks for port 0, which aiosmtpd's readiness check cannot
    connect to; this override keeps the same (port, folder) contract.)
    """
    folder = tmp_path_factory.mktemp("correo")
    controller = start_mailcatcher(folder, port=free_port())
    yield controller.port, folder
    controller.stop()


@pytest.fixture(scope="session")
def auth_settings(infra: TestInfra, smtp: tuple[int, Path]) -> Settings:
    port, _ = smtp
    return Settings(
        database_url=infra.database_url("auth"),
        amqp_url=infra.amqp_url,
        smtp_port=port,
        public_url="http://sigexp.test",
        relay_poll_seconds=0.2,
        mail_poll_seconds=0.2,
        jwks_url="http://auth.test/.well-known/jwks.json",
    )


@pytest.fixture(scope="session")
async def auth_app(auth_settings: Settings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    async with running_app(build_spec(auth_settings)) as running:
        yield running


@pytest.fixture(scope="session")
def app(auth_app: tuple[FastAPI, httpx.AsyncClient]) -> FastAPI:
    return auth_app[0]


@pytest.fixture(scope="session")
def client(auth_app: tuple[FastAPI, httpx.AsyncClient]) -> httpx.AsyncClient:
    return auth_app[1]


def ip_al_azar() -> str:
    return f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


def nombre_unico(prefijo: str = "u") -> str:
    return f"{prefijo}{uuid.uuid4().hex[:10]}"


@dataclass
class Cuenta:
    id: str
    usuario: str
    email: str
    password: str
    perfil: str
    mesa_id: str | None


class Api:
    """Small helpers over the HTTP API, so tests read as what a user does."""

    def __init__(self, client: httpx.AsyncClient, mail_folder: Path) -> None:
        self.client = client
        self.mail_folder = mail_folder
        self._admin_token: str | None = None

    async def login(self, usuario: str, password: str, ip: str | None = None) -> httpx.Response:
        return await self.client.post(
            "/api/v1/auth/login",
            json={"usuario": usuario, "password": password},
            headers={"X-Forwarded-For": ip or ip_al_azar()},
        )

    async def token(self, usuario: str, password: str) -> str:
        r = await self.login(usuario, password)
        assert r.status_code == 200, r.text
        return str(r.json()["access_token"])

    async def admin(self) -> dict[str, str]:
        if self._admin_token is None:
            self._admin_token = await self.token("admin", ADMIN_PASSWORD)
        return {"Authorization": f"Bearer {self._admin_token}"}

    async def mesas(self) -> dict[str, dict[str, Any]]:
        """Demo catalogue loaded (idempotent); mesas by codigo."""
        r = await self.client.get("/api/v1/catalogo/mesas", headers=await self.admin())
        assert r.status_code == 200, r.text
        return {m["codigo"]: m for m in r.json()["items"]}

    async def crear_usuario(
        self,
        perfil: str = "MESA_ENTRADA",
        mesa: str | None = "CAP-MESA",
        activar: bool = True,
        **extra: Any,
    ) -> Cuenta:
        """Create through ADMIN; with `activar` the provisional password is already changed."""
        usuario = extra.pop("usuario", nombre_unico())
        email = extra.pop("email", f"{usuario}@prueba.sigexp.invalid")
        mesa_id = (await self.mesas())[mesa]["id"] if mesa else None
        provisoria = "Provisoria-" + uuid.uuid4().hex[:8]
        body = {
            "usuario": usuario,
            "nombre": f"Persona {usuario}",
            "email": email,
            "perfil": perfil,
            "mesa_id": mesa_id,
            "password_provisoria": provisoria,
            **extra,
        }
        r = await self.client.post("/api/v1/usuarios", json=body, headers=await self.admin())
        assert r.status_code == 201, r.text
        cuenta = Cuenta(r.json()["id"], usuario, email, provisoria, perfil, mesa_id)
        if activar:
            token = await self.token(usuario, provisoria)
            r = await self.client.post(
                "/api/v1/auth/password",
                json={"password_actual": provisoria, "password_nueva": PASSWORD_BUENA},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert r.status_code == 204, r.text
            cuenta.password = PASSWORD_BUENA
        return cuenta

    async def esperar_correo(self, para: str, asunto: str, timeout: float = 10.0) -> EmailMessage:
        for _ in range(int(timeout / 0.1)):
            for mensaje in reversed(read_mails(self.mail_folder, to=para)):
                if asunto.lower() in str(mensaje["Subject"]).lower():
                    return mensaje
            await asyncio.sleep(0.1)
        raise AssertionError(f"no llegó un correo «{asunto}» para {para}")

    def correos(self, para: str) -> list[EmailMessage]:
        return read_mails(self.mail_folder, to=para)


def texto(mensaje: EmailMessage) -> str:
    return body_text(mensaje)


def enlace_de_restablecimiento(mensaje: EmailMessage) -> str:
    encontrado = re.search(r"http://sigexp\.test/restablecer\?token=(\S+)", body_text(mensaje))
    assert encontrado, body_text(mensaje)
    return encontrado.group(1)


@pytest.fixture(scope="session")
async def api(client: httpx.AsyncClient, smtp: tuple[int, Path], auth_settings: Settings) -> Api:
    from auth.demo import cargar_demo
    from sigexp_common.db import make_engine, make_sessionmaker, transaction

    engine = make_engine(auth_settings.database_url, pool_size=1)
    async with transaction(make_sessionmaker(engine, "auth")) as db:
        await cargar_demo(db, auth_settings)
    await engine.dispose()
    return Api(client, smtp[1])


Escucha = Callable[[float], Awaitable[list[dict[str, Any]]]]


@pytest.fixture
async def escuchar(infra: TestInfra) -> AsyncIterator[Callable[..., Any]]:
    """`escucha = await escuchar("sigexp.usuario.*")`; later `await escucha(5)` -> envelopes."""
    connection = await aio_pika.connect_robust(infra.amqp_url)
    channel = await connection.channel()

    async def escuchar_(*routing_keys: str) -> Escucha:
        exchange = await channel.declare_exchange(
            "sigexp.events", aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        for key in routing_keys:
            await queue.bind(exchange, key)
        recibidos: list[dict[str, Any]] = []

        async def al_recibir(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            async with message.process():
                recibidos.append(json.loads(message.body))

        await queue.consume(al_recibir)

        async def esperar(segundos: float, cuantos: int = 1) -> list[dict[str, Any]]:
            for _ in range(int(segundos / 0.05)):
                if len(recibidos) >= cuantos:
                    break
                await asyncio.sleep(0.05)
            return recibidos

        return esperar  # type: ignore[return-value]

    yield escuchar_
    await connection.close()


@asynccontextmanager
async def sesion_db(settings: Settings) -> AsyncIterator[Any]:
    """Direct database access for time travel (moving timestamps into the past)."""
    from sigexp_common.db import make_engine, make_sessionmaker, transaction

    engine = make_engine(settings.database_url, pool_size=1)
    try:
        async with transaction(make_sessionmaker(engine, "auth")) as db:
            yield db
    finally:
        await engine.dispose()
