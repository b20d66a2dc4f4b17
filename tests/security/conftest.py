"""The security regression suite: the whole system once per session, as the end-to-end tests
start it (tests/e2e/conftest.py), in databases and a broker vhost of its own.

The suite refuses things on purpose (forged tokens, failed logins, malformed requests), so it
does not share the e2e system: its failed logins would count against the address every e2e
test logs in from.
"""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from sigexp_testing.infra import S3Server, TestInfra
from sigexp_testing.modulos import cargar

DEMO_PASSWORD = "Demo-Sigexp-2026"
PASSWORD_PROVISORIA = "Provisoria-Prueba-2026"


E2E = cargar(
    Path(__file__).resolve().parents[1] / "e2e" / "conftest.py", "sigexp_e2e_sistema", True
)
Sistema = E2E.Sistema


@pytest.fixture(scope="session")
def sistema(
    infra: TestInfra,
    s3: S3Server,
    smtp: tuple[int, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Any]:
    # Thousands of refused logins come from 127.0.0.1 here: the per-address brute-force
    # limit (tested in the auth suite) must not lock the suite's own address.
    limite = {"AUTH_LOGIN_MAX_FALLOS_IP": "100000"}
    with E2E.system_of_its_own("seguridad", infra, s3, smtp, tmp_path_factory, limite) as sistema:
        yield sistema


@dataclass
class Api:
    """Requests as a user makes them, through the gateway or straight at a service port."""

    sistema: Any
    tokens: dict[str, str] = field(default_factory=dict)

    def url(self, servicio: str = "gateway") -> str:
        return self.sistema.gateway if servicio == "gateway" else self.sistema.url(servicio)

    def login(self, usuario: str, password: str = DEMO_PASSWORD) -> httpx.Response:
        return httpx.post(
            self.sistema.gateway + "/api/v1/auth/login",
            json={"usuario": usuario, "password": password},
            timeout=30,
        )

    def token(self, usuario: str) -> str:
        """An access token of a demo user, logged in once per session."""
        if usuario not in self.tokens:
            r = self.login(usuario)
            assert r.status_code == 200, r.text
            self.tokens[usuario] = r.json()["access_token"]
        return self.tokens[usuario]

    def request(
        self,
        metodo: str,
        ruta: str,
        usuario: str | None = None,
        servicio: str = "gateway",
        **kwargs: Any,
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if usuario is not None:
            headers["Authorization"] = f"Bearer {self.token(usuario)}"
        return httpx.request(
            metodo, self.url(servicio) + ruta, headers=headers, timeout=30, **kwargs
        )

    def nueva_cuenta(self, prefijo: str, **extra: Any) -> tuple[httpx.Response, str, str]:
        """A CONSULTA account at the CAP desk, made by ADMIN: (answer, user name, e-mail)."""
        if "mesa" not in self.tokens:
            mesas = self.request("GET", "/api/v1/catalogo/mesas", "admin.demo", params={"q": "CAP"})
            self.tokens["mesa"] = mesas.json()["items"][0]["id"]
        usuario = f"{prefijo}{uuid.uuid4().hex[:8]}"
        email = f"{usuario}@ejemplo.sigexp.invalid"
        cuerpo = {
            "usuario": usuario,
            "nombre": "Cuenta De Prueba",
            "email": email,
            "perfil": "CONSULTA",
            "mesa_id": self.tokens["mesa"],
            "password_provisoria": PASSWORD_PROVISORIA,
            **extra,
        }
        return self.request("POST", "/api/v1/usuarios", "admin.demo", json=cuerpo), usuario, email

    def crudo(self, servicio: str, peticion: bytes, espera: float = 1.5) -> bytes:
        """Send bytes as they are on a new connection; everything answered until the server
        closes it or stays quiet for `espera` seconds."""
        recibido = b""
        with socket.create_connection(("127.0.0.1", self.sistema.ports[servicio])) as s:
            s.sendall(peticion)
            s.settimeout(espera)
            try:
                while chunk := s.recv(65536):
                    recibido += chunk
            except TimeoutError:
                pass
        return recibido

    def esperar(self, condicion: Callable[[], bool], timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not condicion():
            if time.monotonic() > deadline:
                raise AssertionError("the condition did not hold in time")
            time.sleep(0.1)


@pytest.fixture(scope="session")
def api(sistema: Any) -> Api:
    return Api(sistema)


@pytest.fixture(scope="session")
def clave_de_auth(sistema: Any) -> tuple[str, Any]:
    """(kid, private key) auth signs with, read from its database with the development
    key-encryption secret: to forge tokens wrong in one claim only (expired, another audience)."""
    import asyncio

    import asyncpg

    from auth.service.claves import descifrar_privada
    from auth.settings import Settings

    dsn = sistema.env["AUTH_DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")

    async def leer() -> Any:
        conn = await asyncpg.connect(dsn)
        try:
            return await conn.fetchrow(
                "SELECT kid, privada_cifrada FROM claves_firma WHERE retirada_en IS NULL "
                "ORDER BY creada_en DESC LIMIT 1"
            )
        finally:
            await conn.close()

    fila = asyncio.run(leer())
    por_defecto = Settings.model_fields["key_encryption_secret"].default
    secreto = sistema.env.get("AUTH_KEY_ENCRYPTION_SECRET", por_defecto)
    return fila["kid"], descifrar_privada(fila["privada_cifrada"], secreto)
