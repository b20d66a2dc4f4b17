"""Helpers of the auth suite (imported by conftest.py and by the tests)."""

from __future__ import annotations

import asyncio
import random
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx

from auth.settings import Settings
from sigexp_testing.apps import from_gateway
from sigexp_testing.mailcatcher import body_text, read_mails

ADMIN_PASSWORD = "dev-insecure-Admin-2026"
PASSWORD_BUENA = "Tornillo-Azul-Maizal-47"


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

    def __init__(
        self, client: httpx.AsyncClient, mail_folder: Path, gateway_secret: str | None = None
    ) -> None:
        self.client = client
        self.mail_folder = mail_folder
        self.gateway_secret = gateway_secret
        self._admin_token: str | None = None

    def desde(self, ip: str | None = None) -> dict[str, str]:
        """Headers of a request that the gateway forwards for a client at `ip` (random when
        not given): the address plus the gateway's shared secret, when the service has one."""
        return from_gateway(ip or ip_al_azar(), self.gateway_secret or None)

    async def login(self, usuario: str, password: str, ip: str | None = None) -> httpx.Response:
        return await self.client.post(
            "/api/v1/auth/login",
            json={"usuario": usuario, "password": password},
            headers=self.desde(ip),
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


Escucha = Callable[[float], Awaitable[list[dict[str, Any]]]]


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
