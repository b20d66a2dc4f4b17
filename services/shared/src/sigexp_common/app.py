"""Service factory: the same lifespan for every service (migrate, db, broker, relay, consumers)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from prometheus_client import Gauge
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from sigexp_common import tracing
from sigexp_common.audit import AccesoRegistrado
from sigexp_common.audit_batch import AuditBatcher
from sigexp_common.backlog import outbox_probe, queues_probe
from sigexp_common.broker import Broker
from sigexp_common.consumer import EventConsumer, Handlers
from sigexp_common.db import make_engine, make_sessionmaker
from sigexp_common.documentacion import documentar_errores
from sigexp_common.envelope import Event
from sigexp_common.errors import install_error_handlers
from sigexp_common.http import (
    LAST_SET,
    ReadyCheck,
    database_ready,
    install_request_context,
    jwks_probe,
    operations_router,
)
from sigexp_common.logs import setup_logging
from sigexp_common.migrations import upgrade
from sigexp_common.relay import OutboxRelay
from sigexp_common.revocation import (
    RevocationSource,
    http_source,
    revocations_probe,
    revocations_url,
    start_revocations,
)
from sigexp_common.security import JwksVerifier
from sigexp_common.settings import ServiceSettings
from sigexp_common.stopping import CLOSE_SECONDS, bounded, cancel_and_wait

log = logging.getLogger("sigexp.app")

SHUTDOWN_SECONDS = 10.0  # the lifespan's own tasks (messaging, relay, revoked sessions), at most

Hook = Callable[[FastAPI], Awaitable[None]]
Delivery = Callable[["ServiceSpec", async_sessionmaker[AsyncSession]], Coroutine[Any, Any, None]]
"""A loop of the service's own that runs forever wherever its outbox relay runs (the
integraciones service's public stream and webhooks): `(spec, sessions) -> never returns`."""

# Here, not in `http`: a process without a broker (the gateway) must not report one as down.
BROKER_CONNECTED = Gauge(
    "sigexp_broker_connected",
    "1 while this process has an open connection and channel to RabbitMQ",
    multiprocess_mode=LAST_SET,
)
CONSUMERS_STARTED = Gauge(
    "sigexp_consumers_started",
    "1 once this process reached the broker and started its consumers (if it has any)",
    multiprocess_mode=LAST_SET,
)


def _reported_queues(spec: ServiceSpec) -> tuple[str, ...]:
    own = (f"{spec.name}.events", f"{spec.name}.dlq") if spec.handlers else ()
    return (*own, *(name for queue in spec.queues for name in (queue, f"{queue}.dlq")))


def broker_probe(app: FastAPI) -> None:
    """What readiness leaves out, for /metrics: the outbox lets writes go on meanwhile."""
    BROKER_CONNECTED.set(1 if app.state.broker.is_ready else 0)
    CONSUMERS_STARTED.set(1 if app.state.messaging_ready.is_set() else 0)


@dataclass
class ServiceSpec:
    """What makes one service: its name, settings, routes, migrations and event handlers."""

    name: str
    settings: ServiceSettings
    migrations_dir: Path
    routers: Sequence[APIRouter] = ()
    handlers: Handlers = field(default_factory=dict)
    publica: Sequence[type[Event]] = ()  # the events it publishes (`events.PUBLICA`)
    ready_checks: Mapping[str, ReadyCheck] = field(default_factory=dict)
    on_startup: Sequence[Hook] = ()
    on_shutdown: Sequence[Hook] = ()
    queues: Sequence[str] = ()  # queues of its own besides `<name>.events` (a worker queue)
    title: str = ""
    # Where this process loads the revoked sessions from; None: auth's internal route over
    # HTTP (`settings.revocations_url`). auth reads its own database instead.
    revocations_source: Callable[[FastAPI], RevocationSource] | None = None

    # Routes (by path template) that accept bodies larger than `settings.max_body_bytes`.
    body_limits: Mapping[str, int] = field(default_factory=dict)
    # Loops that run beside the outbox relay, in the same process (`run_relay`, `relay`).
    deliveries: Sequence[Delivery] = ()

    def revocation_source(self, app: FastAPI) -> RevocationSource:
        if self.revocations_source is not None:
            return self.revocations_source(app)
        url = revocations_url(self.settings.jwks_url, self.settings.revocations_url)
        return http_source(url, app.state.verifier.client)

    @property
    def published_types(self) -> frozenset[str]:
        """What `outbox.add` accepts from this service: its `publica` and the audit record."""
        return frozenset({AccesoRegistrado.event_type, *(e.event_type for e in self.publica)})

    def sessions(
        self, engine: AsyncEngine, audit_batcher: AuditBatcher | None = None
    ) -> async_sessionmaker[AsyncSession]:
        return make_sessionmaker(engine, self.name, self.published_types, audit_batcher)


async def _start_messaging(app: FastAPI, spec: ServiceSpec) -> None:
    """Connect (retrying until the broker answers), then start consuming."""
    settings = spec.settings
    broker: Broker = app.state.broker
    await broker.connect_forever()
    if spec.handlers and settings.run_consumers:
        consumer = EventConsumer(app.state.sessions, spec.handlers)  # at most `prefetch` at once
        try:
            await broker.consume(
                spec.name, consumer.routing_keys, consumer.on_message, settings.delivery_limit
            )
        except Exception:  # e.g. the queue exists with other arguments: say so, stay not-ready
            log.exception("cannot consume from %s.events; no consumer runs", spec.name)
            raise
        log.info("consuming", extra={"routing_keys": consumer.routing_keys})
    app.state.messaging_ready.set()


def _lifespan(
    spec: ServiceSpec,
) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
    settings = spec.settings

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        setup_logging(spec.name, settings.log_level)
        if settings.migrate_on_start:
            await asyncio.to_thread(
                upgrade, spec.migrations_dir, settings.database_url, settings.runtime_url
            )
        app.state.settings = settings
        app.state.engine = make_engine(settings.runtime_url)
        app.state.audit_batcher = AuditBatcher(
            settings.runtime_url,
            max_records=settings.audit_batch_max_records,
            max_wait=settings.audit_batch_max_wait_ms / 1000,
        )
        app.state.audit_batcher.start()
        app.state.sessions = spec.sessions(app.state.engine, app.state.audit_batcher)
        app.state.verifier = JwksVerifier(
            settings.jwks_url,
            settings.jwt_issuer,
            settings.jwt_audience,
            cache_size=settings.token_cache_size,
        )
        app.state.broker = Broker(settings.amqp_url, settings.exchange, settings.prefetch)
        app.state.messaging_ready = asyncio.Event()  # connected and consumers declared
        tasks = [asyncio.create_task(_start_messaging(app, spec), name="messaging")]
        if settings.run_relay:
            relay = OutboxRelay.from_settings(settings, app.state.sessions, app.state.broker)
            tasks.append(asyncio.create_task(relay.run(), name="relay"))
            for delivery in spec.deliveries:
                tasks.append(asyncio.create_task(delivery(spec, app.state.sessions)))
        for hook in spec.on_startup:
            await hook(app)
        # After the hooks (auth's own source needs its session factory), before serving.
        tasks.append(
            await start_revocations(
                app, settings.amqp_url, settings.exchange, spec.revocation_source(app), spec.name
            )
        )
        try:
            yield
        finally:
            for hook in spec.on_shutdown:
                await hook(app)
            # Every step bounded (`sigexp_common.stopping`): a task that lost its cancel in
            # aio-pika (the revoked-sessions feed did) must not hang the process's exit.
            await cancel_and_wait(tasks, SHUTDOWN_SECONDS, f"{spec.name}: stopping")
            await bounded(app.state.audit_batcher.close(), CLOSE_SECONDS, "audit batcher")
            await app.state.broker.close()
            await bounded(app.state.verifier.aclose(), CLOSE_SECONDS, "JWKS client")
            await bounded(app.state.engine.dispose(), CLOSE_SECONDS, "database pool")

    return lifespan


def create_app(spec: ServiceSpec) -> FastAPI:
    settings = spec.settings
    tracing.configure(spec.name, settings.traces)  # each HTTP worker process has its own
    # Services are reached through the gateway: in production they publish no docs of their
    # own (the gateway serves the merged ones), and a path never redirects to another one
    # (a redirect would name the service's internal address): `/x/` is simply not `/x`.
    docs: dict[str, Any] = (
        {"docs_url": None, "redoc_url": None, "openapi_url": None}
        if settings.env == "production"
        else {}
    )
    app = FastAPI(
        title=spec.title or f"SIGEXP {spec.name}",
        lifespan=_lifespan(spec),
        redirect_slashes=False,
        **docs,
    )
    install_error_handlers(app)
    documentar_errores(app)
    install_request_context(
        app,
        gateway_secret=settings.gateway_secret,
        max_body_bytes=settings.max_body_bytes,
        body_limits=spec.body_limits,
    )
    # Ready = can serve: the database and the service's own checks, never the broker.
    checks: dict[str, ReadyCheck] = {"database": database_ready, **spec.ready_checks}
    app.include_router(
        operations_router(
            checks,
            probes=(broker_probe, jwks_probe, revocations_probe),
            async_probes=(outbox_probe, queues_probe(_reported_queues(spec))),
        )
    )
    for router in spec.routers:
        app.include_router(router)

    # The gateway merges every service's schema into the public one (`/api/openapi.json`),
    # in production too, where `/openapi.json` is not served; never routed from outside.
    @app.get("/internal/openapi.json", include_in_schema=False)
    async def internal_openapi() -> dict[str, Any]:
        return app.openapi()

    return app
