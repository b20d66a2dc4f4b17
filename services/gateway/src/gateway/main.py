"""The gateway: verifies tokens, routes /api/v1 to the services, composes views, serves the UI."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse

from gateway.client import Upstreams
from gateway.routes import router
from gateway.settings import Settings
from sigexp_common.errors import install_error_handlers
from sigexp_common.http import install_request_context, jwks_probe, operations_router
from sigexp_common.logs import setup_logging
from sigexp_common.revocation import (
    RevocationSource,
    http_source,
    revocations_probe,
    revocations_url,
    start_revocations,
)
from sigexp_common.security import JwksVerifier

STATIC = Path(__file__).parent / "static"


def create_gateway(
    settings: Settings | None = None, *, revocations_source: RevocationSource | None = None
) -> FastAPI:
    """`revocations_source`: where the revoked sessions are loaded from (default: auth's
    internal route; tests whose tokens no auth issued pass `no_revocations`)."""
    settings = settings or Settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        setup_logging("gateway", settings.log_level)
        app.state.settings = settings
        app.state.upstreams = Upstreams(settings)
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
            await app.state.verifier.aclose()
            await app.state.upstreams.aclose()

    app = FastAPI(title="SIGEXP gateway", lifespan=lifespan)
    install_error_handlers(app)
    install_request_context(app)
    # Ready = this process can serve: auth being down is a 503 per request (no keys), not a
    # reason to pull every gateway out of the load balancer; the keys' age is on /metrics.
    app.include_router(operations_router({}, probes=(jwks_probe, revocations_probe)))
    app.include_router(router)

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    return app


def app() -> FastAPI:
    """ASGI factory: `uvicorn --factory gateway.main:app`."""
    return create_gateway()
