"""`python -m <service> serve|migrate|relay|consume|outbox-reintentar`: one entrypoint per
service process kind, plus the operator's command that gives dead outbox rows another chance."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import uuid
from collections.abc import Callable

import uvicorn

from sigexp_common.app import ServiceSpec, create_app
from sigexp_common.broker import Broker
from sigexp_common.consumer import EventConsumer, routing_keys
from sigexp_common.db import make_engine
from sigexp_common.delivery import revive
from sigexp_common.logs import setup_logging
from sigexp_common.migrations import upgrade
from sigexp_common.relay import OUTBOX, OutboxRelay


async def _relay(spec: ServiceSpec) -> None:
    settings = spec.settings
    engine = make_engine(settings.database_url, pool_size=2)
    broker = Broker(settings.amqp_url, settings.exchange)
    await broker.connect_forever()
    relay = OutboxRelay.from_settings(settings, spec.sessions(engine), broker)
    try:
        await relay.run()
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
    # Up to `prefetch` messages are handled at once, each holding a connection while it commits.
    engine = make_engine(settings.database_url, pool_size=settings.prefetch)
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
    engine = make_engine(spec.settings.database_url, pool_size=1)
    try:
        return await revive(spec.sessions(engine), OUTBOX, [uuid.UUID(i) for i in ids])
    finally:
        await engine.dispose()


def outbox_reintentar(spec: ServiceSpec, args: list[str]) -> None:
    """`outbox-reintentar [ID ...]`: dead outbox rows (all, or the given ids) are tried again."""
    revived = asyncio.run(_revive_outbox(spec, args))
    print(f"{revived} evento(s) del outbox vuelven a intentarse")


ExtraCommand = Callable[[ServiceSpec, list[str]], None]


def main(
    build_spec: Callable[[], ServiceSpec],
    default_port: int,
    extra_commands: dict[str, ExtraCommand] | None = None,
) -> None:
    """Dispatch `serve|migrate|relay|consume` and the service's own commands (with their args)."""
    extra = {"outbox-reintentar": outbox_reintentar, **(extra_commands or {})}
    parser = argparse.ArgumentParser(description="SIGEXP service runner")
    parser.add_argument("command", choices=["serve", "migrate", "relay", "consume", *extra])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=default_port)
    args, rest = parser.parse_known_args()
    spec = build_spec()
    setup_logging(spec.name, spec.settings.log_level)
    if args.command == "migrate":
        upgrade(spec.migrations_dir, spec.settings.database_url)
        asyncio.run(_declare_queue(spec))
    elif args.command == "serve":
        uvicorn.run(create_app(spec), host=args.host, port=args.port, log_config=None)
    elif args.command in extra:
        extra[args.command](spec, rest)
    else:
        runner = _relay if args.command == "relay" else _consume
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(runner(spec))
