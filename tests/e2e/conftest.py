"""The whole system as separate processes on free ports, over the session's real servers."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sigexp_common.testing.infra import (
    S3Server,
    ServiceDidNotStart,
    TestInfra,
    free_port,
    wait_until_ready,
)

ROOT = Path(__file__).resolve().parents[2]
CON_BASE = ("auth", "expedientes", "pases", "archivos", "auditoria")
ADMIN = ("admin", "Admin-Prueba-E2E-2026")


@dataclass
class Sistema:
    gateway: str
    puertos: dict[str, int]
    logs: Path
    correo: Path
    env: dict[str, str] = field(default_factory=dict)
    procesos: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def url(self, servicio: str) -> str:
        return f"http://127.0.0.1:{self.puertos[servicio]}"

    def log(self, servicio: str) -> str:
        return (self.logs / f"{servicio}.log").read_text(errors="replace")

    def arrancar(self, servicio: str) -> None:
        with (self.logs / f"{servicio}.log").open("ab") as salida:
            self.procesos[servicio] = subprocess.Popen(
                [sys.executable, "-m", servicio, "serve", "--port", str(self.puertos[servicio])],
                env=self.env,
                cwd=ROOT,
                stdout=salida,
                stderr=subprocess.STDOUT,
            )
        _esperar_listo(self, servicio)

    def detener(self, servicio: str) -> None:
        proceso = self.procesos[servicio]
        proceso.terminate()
        proceso.wait(timeout=15)


def _entorno(
    infra: TestInfra, s3: S3Server, smtp: tuple[int, Path], puertos: dict[str, int]
) -> dict[str, str]:
    amqp = infra.amqp_vhost("e2e")
    jwks = f"http://127.0.0.1:{puertos['auth']}/.well-known/jwks.json"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for servicio in CON_BASE:
        prefix = servicio.upper() + "_"
        env[prefix + "DATABASE_URL"] = infra.database_url(f"e2e_{servicio}")
        env[prefix + "AMQP_URL"] = amqp
        env[prefix + "JWKS_URL"] = jwks
        env[prefix + "RELAY_POLL_SECONDS"] = "0.5"
    env.update(
        {
            "AUTH_SMTP_HOST": "127.0.0.1",
            "AUTH_SMTP_PORT": str(smtp[0]),
            "AUTH_PUBLIC_URL": f"http://127.0.0.1:{puertos['gateway']}",
            "SIGEXP_ADMIN_USUARIO": ADMIN[0],
            "SIGEXP_ADMIN_PASSWORD": ADMIN[1],
            "ARCHIVOS_S3_ENDPOINT": s3.endpoint,
            "ARCHIVOS_S3_ACCESS_KEY": s3.access_key,
            "ARCHIVOS_S3_SECRET_KEY": s3.secret_key,
            "ARCHIVOS_S3_BUCKET": "sigexp-e2e",
            "GATEWAY_JWKS_URL": jwks,
        }
    )
    for servicio in CON_BASE:
        env[f"GATEWAY_{servicio.upper()}_URL"] = f"http://127.0.0.1:{puertos[servicio]}"
    return env


def _esperar_listo(sistema: Sistema, servicio: str) -> None:
    try:
        wait_until_ready(sistema.url(servicio), sistema.procesos[servicio])
    except ServiceDidNotStart as exc:
        raise ServiceDidNotStart(f"{servicio}: {exc}\n{sistema.log(servicio)[-3000:]}") from exc


@pytest.fixture(scope="session")
def sistema(
    infra: TestInfra,
    s3: S3Server,
    smtp: tuple[int, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Sistema]:
    puertos = {servicio: free_port() for servicio in (*CON_BASE, "gateway")}
    env = _entorno(infra, s3, smtp, puertos)
    logs = tmp_path_factory.mktemp("logs")
    sistema = Sistema(f"http://127.0.0.1:{puertos['gateway']}", puertos, logs, smtp[1], env)
    for servicio in CON_BASE:  # as `make up` does: schemas and queues before any event
        subprocess.run(
            [sys.executable, "-m", servicio, "migrate"],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
    subprocess.run(
        [sys.executable, "-m", "auth", "demo"], env=env, cwd=ROOT, check=True, capture_output=True
    )
    try:
        for servicio in puertos:
            sistema.arrancar(servicio)
        yield sistema
    finally:
        for proceso in sistema.procesos.values():
            proceso.terminate()
        for proceso in sistema.procesos.values():
            try:
                proceso.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proceso.kill()
