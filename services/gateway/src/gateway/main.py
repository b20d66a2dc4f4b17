"""The gateway: verifies tokens, routes /api/v1 to the services, composes views, serves the UI."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from gateway import asyncapi, auditoria, docs, edge, protection, web
from gateway.client import Upstreams
from gateway.limits import Limiters
from gateway.routes import router
from gateway.settings import Settings, trusted_networks
from sigexp_common import tracing
from sigexp_common.errors import install_error_handlers
from sigexp_common.http import install_request_context
from sigexp_common.logs import setup_logging
from sigexp_common.revocation import (
    RevocationSource,
    http_source,
    revocations_url,
    start_revocations,
)
from sigexp_common.security import JwksVerifier


def create_gateway(
    settings: Settings | None = None, *, revocations_source: RevocationSource | None = None
) -> FastAPI:
    """`revocations_source`: where the revoked sessions are loaded from (default: auth's
    internal route; tests whose tokens no auth issued pass `no_revocations`)."""
    settings = settings or Settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        setup_logging("gateway", settings.log_level)
        tracing.configure("gateway", settings.traces)
        app.state.settings = settings
        app.state.upstreams = Upstreams(settings)
        app.state.limiters = Limiters.of(settings)
        app.state.merged_schema = docs.MergedSchema()
        app.state.verifier = JwksVerifier(
            settings.jwks_url, settings.jwt_issuer, settings.jwt_audience
        )
        # Its own list of revoked sessions, kept by the bus: the first wall refuses them too.
        source = revocations_source or http_source(
            revocations_url(settings.jwks_url, settings.revocations_url), app.state.verifier.client
        )
        feed = await start_revocations(app, settings.amqp_url, settings.exchange, source, "gateway")
        try:
            yield
        finally:
            feed.cancel()
            await asyncio.gather(feed, return_exceptions=True)
            await auditoria.cerrar(app)  # its refusals' records still queued for the broker
            await app.state.verifier.aclose()
            await app.state.upstreams.aclose()

    # Public port: the API and the UI only. Health and metrics are on the operations
    # listener (`gateway.operations`); the gateway's own schema and docs are not served.
    app = FastAPI(
        title="SIGEXP gateway", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.trusted_proxies = trusted_networks(settings.trusted_proxies)
    install_error_handlers(app)
    install_request_context(app, address_of=edge.address_of(app.state.trusted_proxies))
    protection.install(app, settings)  # outside the request context: sees its headers too
    app.include_router(docs.router)
    app.include_router(asyncapi.router)  # before the catch-all of forwarded routes
    app.include_router(router)
    app.include_router(web.router)  # the web UI: `/`, `/ui/...`, `/static/...`
    return app


def app() -> FastAPI:
    """ASGI factory: `uvicorn --factory gateway.main:app`."""
    return create_gateway()
