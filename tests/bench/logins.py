"""`make bench`: successful logins per second through the auth service, reported as a ratio to
a baseline measured in the same run on the same machine: raw argon2id verifications per second
with the service's own parameters (the floor cost of every login). Machines here are noisy, so
the ratio — how much of the hashing capacity reaches clients over HTTP — is the figure to
compare between runs, not the absolute numbers.

Needs the local PostgreSQL and RabbitMQ (the same as `make test`). Bounded: two phases of
`--segundos` each; everything it starts is stopped and its database dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import httpx

from auth.settings import Settings
from sigexp_testing.infra import free_port, wait_until_ready
from sigexp_testing.modulos import cargar

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Bench-Sigexp-Clave-2026"


def baseline(segundos: float, hilos: int) -> float:
    """Argon2id verifications per second, `hilos` at a time, with the service's parameters
    (measured by auth's own parameter benchmark, services/auth/bench/argon2_logins.py)."""
    bench = cargar(ROOT / "services" / "auth" / "bench" / "argon2_logins.py", "argon2_logins")
    s = Settings()
    medida: float = bench.medir(
        s.argon2_time_cost, s.argon2_memory_kib, s.argon2_parallelism, hilos, segundos
    )
    return medida


async def logins_http(url: str, segundos: float, concurrencia: int) -> tuple[float, list[float]]:
    latencias: list[float] = []
    fin = time.perf_counter() + segundos

    async def cliente(client: httpx.AsyncClient) -> None:
        while time.perf_counter() < fin:
            inicio = time.perf_counter()
            r = await client.post(
                "/api/v1/auth/login", json={"usuario": "admin", "password": PASSWORD}
            )
            r.raise_for_status()
            latencias.append(time.perf_counter() - inicio)

    inicio = time.perf_counter()
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        await asyncio.gather(*(cliente(client) for _ in range(concurrencia)))
    return len(latencias) / (time.perf_counter() - inicio), latencias


async def _sql(dsn: str, sentencia: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sentencia)
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--segundos", type=float, default=8.0)
    parser.add_argument("--concurrencia", type=int, default=4)
    args = parser.parse_args()
    admin = os.environ.get("SIGEXP_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
    amqp = os.environ.get("SIGEXP_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    base = f"bench_auth_{uuid.uuid4().hex[:8]}"
    asyncio.run(_sql(admin, f'CREATE DATABASE "{base}"'))
    puerto = free_port()
    url = f"http://127.0.0.1:{puerto}"
    env = {
        **os.environ,
        "AUTH_DATABASE_URL": admin.rsplit("/", 1)[0].replace(
            "postgresql://", "postgresql+asyncpg://"
        )
        + f"/{base}",
        "AUTH_AMQP_URL": amqp,
        "AUTH_RUN_RELAY": "false",
        "AUTH_LOG_LEVEL": "WARNING",
        "SIGEXP_ADMIN_USUARIO": "admin",
        "SIGEXP_ADMIN_PASSWORD": PASSWORD,
    }
    proceso = subprocess.Popen(
        [sys.executable, "-m", "auth", "serve", "--port", str(puerto)], env=env, cwd=ROOT
    )
    try:
        wait_until_ready(url, proceso, timeout=60)
        hilos = os.cpu_count() or 1
        referencia = baseline(args.segundos, hilos)
        por_segundo, latencias = asyncio.run(logins_http(url, args.segundos, args.concurrencia))
    finally:
        proceso.terminate()
        proceso.wait(timeout=15)
        asyncio.run(_sql(admin, f'DROP DATABASE IF EXISTS "{base}" WITH (FORCE)'))
    cuantiles = statistics.quantiles(latencias, n=20)
    print(f"núcleos: {hilos}")
    print(f"línea de base — verificaciones argon2id/s ({hilos} hilos): {referencia:8.1f}")
    print(f"logins exitosos/s por HTTP (concurrencia {args.concurrencia}):   {por_segundo:8.1f}")
    print(f"razón logins/línea de base: {por_segundo / referencia:.2f}")
    print(
        f"latencia p50 {statistics.median(latencias) * 1000:.0f} ms, "
        f"p95 {cuantiles[18] * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
