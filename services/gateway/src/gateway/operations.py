"""The gateway's operations listener: `/health/live`, `/health/ready` and `/metrics` on a port
of their own (`ops_port`), for probes and scrapes from inside the cluster, never on the public
port that the Internet reaches."""

from __future__ import annotations

from fastapi import FastAPI

from sigexp_common.errors import install_error_handlers
from sigexp_common.http import jwks_probe, operations_router
from sigexp_common.revocation import revocations_probe


def create_operations(gateway: FastAPI) -> FastAPI:
    """Operations of `gateway` (the public app, whose keys' age `/metrics` shows)."""
    app = FastAPI(
        title="SIGEXP gateway operations", docs_url=None, redoc_url=None, openapi_url=None
    )
    install_error_handlers(app)
    # Ready = this process can serve: auth being down is a 503 per request (no keys), not a
    # reason to pull every gateway out of the load balancer; the keys' age is on /metrics.
    probes = (lambda _: jwks_probe(gateway), lambda _: revocations_probe(gateway))
    app.include_router(operations_router({}, probes=probes))
    return app
