"""A 300 MB upload and a 300 MB download through the gateway, as a process of its own (the
way it runs), keep its memory under 150 MB: the bodies stream both ways, never held whole.
Its RSS is read from /proc while the bytes move."""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse

from gateway.settings import services
from sigexp_testing.infra import TestInfra, free_port, wait_until_ready, wait_until_writable
from sigexp_testing.tokens import TokenFactory, jwks_server

from .servidores import servidor

MB = 1024 * 1024
TAMANIO_MB = 300
TECHO_RSS_MB = 150
BLOQUE = os.urandom(MB)
CARGA = "/api/v1/expedientes/0190b4c2-0000-7000-8000-000000000002/archivos"
DESCARGA = "/api/v1/archivos/0190b4c2-0000-7000-8000-000000000003/contenido"
ROOT = Path(__file__).resolve().parents[4]


def _servicio() -> FastAPI:
    app = FastAPI()

    @app.post(CARGA, status_code=201)
    async def carga(request: Request) -> dict[str, object]:
        digest, recibidos = hashlib.sha256(), 0
        async for chunk in request.stream():
            digest.update(chunk)
            recibidos += len(chunk)
        return {"tamanio": recibidos, "sha256": digest.hexdigest()}

    @app.get(DESCARGA)
    async def descarga() -> StreamingResponse:
        async def bloques() -> AsyncIterator[bytes]:
            for _ in range(TAMANIO_MB):
                yield BLOQUE

        headers = {"content-length": str(TAMANIO_MB * MB)}
        return StreamingResponse(bloques(), media_type="application/pdf", headers=headers)

    return app


def _rss_mb(pid: int) -> float:
    for linea in Path(f"/proc/{pid}/status").read_text().splitlines():
        if linea.startswith("VmRSS:"):
            return int(linea.split()[1]) / 1024
    return 0.0


def _gateway(upstream: str, jwks: str, amqp: str) -> tuple[str, subprocess.Popen[bytes]]:
    """`python -m gateway serve` with every upstream at `upstream`, once it takes writes."""
    port, ops = free_port(), free_port()
    env = {
        **os.environ,
        **{f"GATEWAY_{name.upper()}_URL": upstream for name in services()},
        "GATEWAY_JWKS_URL": jwks,
        "GATEWAY_AMQP_URL": amqp,
        "GATEWAY_OPS_PORT": str(ops),
        "GATEWAY_LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_ready(f"http://127.0.0.1:{ops}", process, timeout=120)
        wait_until_writable(f"http://127.0.0.1:{ops}")
    except BaseException:
        process.kill()
        raise
    return f"http://127.0.0.1:{port}", process


class Pico:
    """The highest RSS of `pid` seen while the block runs (sampled every 20 ms)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.mb = pid, 0.0

    async def muestrear(self) -> None:
        while True:
            self.mb = max(self.mb, _rss_mb(self.pid))
            await asyncio.sleep(0.02)


@pytest.mark.timeout(600)
async def test_300_mb_de_subida_y_de_bajada_por_el_gateway_con_menos_de_150_mb_de_memoria(
    tokens: TokenFactory, infra: TestInfra
) -> None:
    headers = {"Authorization": f"Bearer {tokens.token('CARGA')}"}
    with jwks_server(tokens) as jwks:
        async with servidor(_servicio()) as upstream:
            amqp = infra.amqp_vhost("gw-memoria")
            url, proceso = await asyncio.to_thread(_gateway, upstream, jwks, amqp)
            pid = proceso.pid
            pico = Pico(pid)
            muestreo = asyncio.create_task(pico.muestrear())
            enviado = hashlib.sha256()

            async def cuerpo() -> AsyncIterator[bytes]:
                for _ in range(TAMANIO_MB):
                    enviado.update(BLOQUE)
                    yield BLOQUE

            try:
                async with httpx.AsyncClient(timeout=300) as client:
                    subida = await client.post(
                        url + CARGA,
                        content=cuerpo(),
                        headers={**headers, "content-length": str(TAMANIO_MB * MB)},
                    )
                    bajados = 0
                    async with client.stream("GET", url + DESCARGA, headers=headers) as bajada:
                        assert bajada.status_code == 200
                        async for chunk in bajada.aiter_raw():
                            bajados += len(chunk)
            finally:
                muestreo.cancel()
                await asyncio.gather(muestreo, return_exceptions=True)
                proceso.terminate()
                await asyncio.to_thread(proceso.wait, 30)
    assert subida.status_code == 201, subida.text
    assert subida.json() == {"tamanio": TAMANIO_MB * MB, "sha256": enviado.hexdigest()}
    assert bajados == TAMANIO_MB * MB
    print(f"RSS máximo del gateway: {pico.mb:.0f} MB")
    assert 0 < pico.mb < TECHO_RSS_MB, f"RSS máximo del gateway: {pico.mb:.0f} MB"
