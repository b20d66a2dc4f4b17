"""`python -m gateway serve [--host H] [--port P] [--ops-port O]`.

Two listeners in one process: the public one (the API and the UI) on `--port`, and the
operations one (health, metrics) on `--ops-port` (default: the `ops_port` setting, 9100).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections.abc import Generator

import uvicorn

from gateway.main import create_gateway
from gateway.operations import create_operations
from gateway.settings import Settings


class _OperationsServer(uvicorn.Server):
    """Stops with the public server: the signals are the public server's to catch."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def _config(app: object, host: str, port: int, **extra: object) -> uvicorn.Config:
    # The gateway decides itself whose X-Forwarded-For to trust (GATEWAY_TRUSTED_PROXIES):
    # uvicorn's own rewrite would take a local client's word for its address. No `server`
    # banner: what runs behind the port is nobody's business.
    return uvicorn.Config(
        app,  # type: ignore[arg-type]
        host=host,
        port=port,
        log_config=None,
        proxy_headers=False,
        server_header=False,
        **extra,  # type: ignore[arg-type]
    )


async def serve(settings: Settings, host: str, port: int, ops_port: int) -> None:
    gateway = create_gateway(settings)
    public = uvicorn.Server(_config(gateway, host, port))
    operations = _OperationsServer(
        _config(create_operations(gateway), host, ops_port, lifespan="off", access_log=False)
    )
    ops_task = asyncio.create_task(operations.serve())
    try:
        await public.serve()
    finally:
        operations.should_exit = True
        await ops_task


def run() -> None:
    settings = Settings()
    parser = argparse.ArgumentParser(description="SIGEXP gateway")
    parser.add_argument("command", choices=["serve"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--ops-port", type=int, default=settings.ops_port)
    args = parser.parse_args()
    # The loop uvicorn picks when it runs an app itself ("auto": uvloop where installed), as
    # every service's process and the bench's hello-world get: plain asyncio's selector loop
    # cost the gateway a good part of its CPU per forwarded request (py-spy).
    loop_factory = uvicorn.Config("gateway.main:app").get_loop_factory()  # only its loop read
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(serve(settings, args.host, args.port, args.ops_port))


if __name__ == "__main__":
    run()
