"""`python -m <service> serve|migrate|relay|consume|outbox-reintentar`: one entrypoint per
service process kind, plus the operator's command that gives dead outbox rows another chance.

`serve` runs `<SERVICE>_WORKERS` HTTP processes (default: the cores available). With one, the
relay and the consumers run inside it, as they always did. With more, uvicorn's supervisor
runs the workers with HTTP only (`RUN_RELAY`, `RUN_CONSUMERS` and `MIGRATE_ON_START` off in
their environment) and `serve` itself migrates once and keeps one messaging process beside
them (`relay` and `consume` in one interpreter, restarted if it dies): however many workers,
each service runs one relay and one consumer per `serve`.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from sigexp_common import dlq, latido, tracing
from sigexp_common.app import ServiceSpec, create_app
from sigexp_common.broker import Broker
from sigexp_common.consumer import EventConsumer, connections_needed, routing_keys
from sigexp_common.db import make_engine
from sigexp_common.delivery import revive
from sigexp_common.http import MULTIPROC_DIR
from sigexp_common.logs import setup_logging
from sigexp_common.migrations import upgrade
from sigexp_common.relay import OUTBOX, OutboxRelay
from sigexp_common.stopping import cancel_and_wait

log = logging.getLogger("sigexp.cli")

SPEC_VARIABLE = "SIGEXP_SERVE_SPEC"  # `module:build_spec` of the service a worker serves
# How uvicorn runs every SIGEXP HTTP process: it never rewrites the client's address from
# X-Forwarded-For (only `RequestContext` decides, from the gateway's secret), it names no
# server in the answers, and logging is ours.
UVICORN_OPTIONS: dict[str, Any] = {
    "proxy_headers": False,
    "server_header": False,
    "log_config": None,
}


async def _relay(spec: ServiceSpec) -> None:
    settings = spec.settings
    engine = make_engine(settings.runtime_url, pool_size=2 + 2 * len(spec.deliveries))
    broker = Broker(settings.amqp_url, settings.exchange)
    await broker.connect_forever()
    sessions = spec.sessions(engine)
    relay = OutboxRelay.from_settings(settings, sessions, broker)
    try:
        await asyncio.gather(
            relay.run(), *(delivery(spec, sessions) for delivery in spec.deliveries)
        )
    finally:
        await broker.close()
        await engine.dispose()


async def _declare_queue(spec: ServiceSpec) -> None:
    """Part of migrating: the service's queue and bindings exist before anything it reads is
    published, so events sent before its first start (e.g. the catalogue) wait for it."""
    if not spec.handlers:
        return
    settings = spec.settings
    broker = Broker(settings.amqp_url, settings.exchange)
    await broker.connect()
    try:
        await broker.declare_topology(
            spec.name, routing_keys(spec.handlers), settings.delivery_limit
        )
    finally:
        await broker.close()


async def _consume(spec: ServiceSpec) -> None:
    settings = spec.settings
    # What the handlers hold at once, no more: auditoria's 200 deliveries in flight are two
    # batches, two connections; a per-message consumer holds one per delivery (`prefetch`).
    engine = make_engine(
        settings.runtime_url,
        pool_size=connections_needed(spec.handlers, settings.prefetch),
        max_overflow=0,
    )
    broker = Broker(settings.amqp_url, settings.exchange, settings.prefetch)
    await broker.connect_forever()
    consumer = EventConsumer(spec.sessions(engine), spec.handlers)
    await broker.consume(
        spec.name, consumer.routing_keys, consumer.on_message, settings.delivery_limit
    )
    try:
        await asyncio.Event().wait()
    finally:
        await broker.close()
        await engine.dispose()


async def _revive_outbox(spec: ServiceSpec, ids: list[str]) -> int:
    engine = make_engine(spec.settings.runtime_url, pool_size=1)
    try:
        return await revive(spec.sessions(engine), OUTBOX, [uuid.UUID(i) for i in ids])
    finally:
        await engine.dispose()


def outbox_reintentar(spec: ServiceSpec, args: list[str]) -> None:
    """`outbox-reintentar [ID ...]`: dead outbox rows (all, or the given ids) are tried again."""
    revived = asyncio.run(_revive_outbox(spec, args))
    print(f"{revived} evento(s) del outbox vuelven a intentarse")


def dlq_command(spec: ServiceSpec, args: list[str]) -> None:
    """`dlq [--cola COLA]`: what waits in the dead-letter queue; `dlq reprocesar ID ... |
    --todos`: those messages go back to the service's queue to be processed (once)."""
    parser = argparse.ArgumentParser(prog=f"python -m {spec.name} dlq")
    parser.add_argument("accion", nargs="?", choices=["listar", "reprocesar"], default="listar")
    parser.add_argument("ids", nargs="*", help="message ids (the `id` of the CloudEvent)")
    parser.add_argument("--todos", action="store_true", help="reprocess every parked message")
    parser.add_argument("--cola", help="a work queue of the service (archivos.digitalizacion)")
    parser.add_argument("--limite", type=int, default=100)
    options = parser.parse_args(args)
    queue, dead = dlq.queue_names(spec.name, options.cola)
    url = spec.settings.amqp_url
    if options.accion == "listar":
        parked, total = asyncio.run(dlq.listar(url, dead, options.limite))
        print(f"{dead}: {total} mensaje(s) aparcado(s)")
        for item in parked:
            print(f"  {item.message_id}  {item.tipo}  {item.motivo or '-'} x{item.veces}")
            print(f"      {item.cuerpo[:160]}")
        return
    if not options.ids and not options.todos:
        parser.error("reprocesar: indique los ids de los mensajes o --todos")
    moved = asyncio.run(dlq.reprocesar(url, dead, queue, None if options.todos else options.ids))
    print(f"{moved} mensaje(s) de {dead} vuelven a {queue}")


ExtraCommand = Callable[[ServiceSpec, list[str]], None]
BuildSpec = Callable[[], ServiceSpec]


def worker_app() -> FastAPI:
    """ASGI factory of one HTTP worker of `serve` (uvicorn imports it in every worker)."""
    module, _, name = os.environ[SPEC_VARIABLE].partition(":")
    build_spec: BuildSpec = getattr(importlib.import_module(module), name)
    return create_app(build_spec())


# From SIGTERM to the end of `work`'s `finally` blocks, at most: within the 10 s after which
# `MessagingProcess.stop` kills the messaging process.
TERMINATE_SECONDS = 8.0


def _until_terminated(work: Coroutine[Any, Any, None], heartbeat: Path | None = None) -> None:
    """Run `work` until it ends or SIGTERM/SIGINT arrive; then cancel it (again if a library
    lost the cancel, `stopping`), so its `finally` blocks close the broker and the database
    (a relay stops between passes, not mid-write). Meanwhile `heartbeat` is kept fresh."""

    async def run() -> None:
        task = asyncio.create_task(work, name="work")
        beating = [asyncio.create_task(latido.latir(heartbeat))] if heartbeat else []
        terminated = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, terminated.set)
        asked = asyncio.create_task(terminated.wait(), name="terminated")
        await asyncio.wait({task, asked}, return_when=asyncio.FIRST_COMPLETED)
        await cancel_and_wait({task, asked, *beating}, TERMINATE_SECONDS, "stopping")
        failure = task.exception() if task.done() and not task.cancelled() else None
        if failure is not None:
            raise failure

    asyncio.run(run())


def _messaging(build_spec: BuildSpec, relay: bool, consume: bool) -> None:
    """The messaging process of a multi-worker `serve`: what it was told, whatever the
    environment it inherited says."""
    spec = build_spec()
    setup_logging(spec.name, spec.settings.log_level)
    tracing.configure(spec.name, spec.settings.traces)

    async def both() -> None:
        await asyncio.gather(
            *([_relay(spec)] if relay else []), *([_consume(spec)] if consume else [])
        )

    _until_terminated(both())


class MessagingProcess:
    """Keeps the one messaging process of a multi-worker `serve` alive until `stop`: one that
    dies (a crash, the OOM killer) is started again with backoff; one that stopped cleanly
    was told to (a signal to the process group) and is left stopped."""

    def __init__(self, build_spec: BuildSpec, relay: bool, consume: bool) -> None:
        self._args = (build_spec, relay, consume)
        self._context = multiprocessing.get_context("spawn")
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._keep, name="mensajeria", daemon=True)
        self.process: multiprocessing.process.BaseProcess | None = None

    def start(self) -> None:
        self._thread.start()

    def _keep(self) -> None:
        backoff = 1.0
        while True:
            with self._lock:
                if self._stopping.is_set():
                    return
                self.process = self._context.Process(
                    target=_messaging, args=self._args, name="mensajeria"
                )
                self.process.start()
            log.info("messaging process started", extra={"pid": self.process.pid})
            started = time.monotonic()
            self.process.join()
            if self.process.exitcode == 0:  # it was told to stop (a signal to the group)
                return
            if self._stopping.wait(backoff):
                return
            uptime = time.monotonic() - started
            log.error(
                "the messaging process exited with %s after %.0fs; started again",
                self.process.exitcode,
                uptime,
            )
            backoff = 1.0 if uptime > 60 else min(backoff * 2, 30.0)

    def stop(self, timeout: float = 10.0) -> None:
        with self._lock:
            self._stopping.set()
            process = self.process
        if process is not None and process.is_alive():
            process.terminate()
            process.join(timeout)
            if process.is_alive():
                process.kill()
                process.join()
        self._thread.join(timeout)


def serve(build_spec: BuildSpec, spec: ServiceSpec, host: str, port: int) -> None:
    settings = spec.settings
    if settings.workers <= 1:
        uvicorn.run(create_app(spec), host=host, port=port, **UVICORN_OPTIONS)
        return
    if settings.migrate_on_start:
        upgrade(spec.migrations_dir, settings.database_url, settings.runtime_url)
    prefix = str(settings.model_config.get("env_prefix", ""))
    # Every worker and the messaging process keep their metrics in files of one fresh folder
    # (prometheus_client's multiprocess mode, chosen when it is imported: the children see it,
    # this process does not need it); `/metrics` adds them up (`http.render_metrics`).
    metrics_dir = tempfile.mkdtemp(prefix=f"sigexp-{spec.name}-metricas-")
    os.environ.update(
        {
            MULTIPROC_DIR: metrics_dir,
            SPEC_VARIABLE: f"{build_spec.__module__}:{build_spec.__qualname__}",
            f"{prefix}RUN_RELAY": "false",
            f"{prefix}RUN_CONSUMERS": "false",
            f"{prefix}MIGRATE_ON_START": "false",
        }
    )
    consume = settings.run_consumers and bool(spec.handlers)
    messaging = MessagingProcess(build_spec, settings.run_relay, consume)
    if settings.run_relay or consume:
        messaging.start()
    try:
        uvicorn.run(
            "sigexp_common.cli:worker_app",
            factory=True,
            workers=settings.workers,
            host=host,
            port=port,
            **UVICORN_OPTIONS,
        )
    finally:
        messaging.stop()
        shutil.rmtree(metrics_dir, ignore_errors=True)


def main(
    build_spec: BuildSpec,
    default_port: int,
    extra_commands: dict[str, ExtraCommand] | None = None,
) -> None:
    """Dispatch `serve|migrate|relay|consume` and the service's own commands (with their args)."""
    extra = {
        "outbox-reintentar": outbox_reintentar,
        "dlq": dlq_command,
        "latido": lambda spec, rest: latido.comprobar(spec.name, rest),
        **(extra_commands or {}),
    }
    parser = argparse.ArgumentParser(description="SIGEXP service runner")
    parser.add_argument("command", choices=["serve", "migrate", "relay", "consume", *extra])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=default_port)
    args, rest = parser.parse_known_args()
    spec = build_spec()
    setup_logging(spec.name, spec.settings.log_level)
    if args.command == "migrate":
        upgrade(spec.migrations_dir, spec.settings.database_url, spec.settings.runtime_url)
        asyncio.run(_declare_queue(spec))
    elif args.command == "serve":
        serve(build_spec, spec, args.host, args.port)
    elif args.command in extra:
        extra[args.command](spec, rest)
    else:
        runner = _relay if args.command == "relay" else _consume
        _until_terminated(runner(spec), latido.ruta(spec.name, args.command))
