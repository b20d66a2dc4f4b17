"""The gateway: verifies tokens, routes /api/v1 to the services, composes views, serves the UI."""

from __future__ import annotations

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
from sigexp_common.security import JwksVerifier

STATIC = Path(__file__).parent / "static"


def create_gateway(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        setup_logging("gateway", settings.log_level)
        app.state.settings = settings
        app.state.upstreams = Upstreams(settings)
        app.state.verifier = JwksVerifier(
            settings.jwks_url, settings.jwt_issuer, settings.jwt_audience
        )
        try:
            yield
        finally:
            await app.state.verifier.aclose()
            await app.state.upstreams.aclose()

    app = FastAPI(title="SIGEXP gateway", lifespan=lifespan)
    install_error_handlers(app)
    install_request_context(app)
    # Ready = this process can serve: auth being down is a 503 per request (no keys), not a
    # reason to pull every gateway out of the load balancer; the keys' age is on /metrics.
    app.include_router(operations_router({}, probes=(jwks_probe,)))
    app.include_router(router)

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    return app


def app() -> FastAPI:
    """ASGI factory: `uvicorn --factory gateway.main:app`."""
    return create_gateway()
