"""HTTP plumbing shared by every service: request id, client address, metrics, health.

Readiness (`/health/ready`) says "this process can serve": its database (and whatever the
service itself needs to answer, e.g. storage). The broker is not part of it: the outbox keeps
writes going while RabbitMQ is down. What readiness leaves out, `/metrics` shows: gauges that
`MetricProbe`s set from the app's state at every scrape (`app.broker_probe`, `jwks_probe`).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Final

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import text

from sigexp_common import context

REQUESTS = Counter("sigexp_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("sigexp_http_request_seconds", "HTTP request latency", ["method", "route"])

# Gauges set at scrape time (or by the one relay): with several workers the value shown is
# the one set last, by whichever process set it (`multiprocess_mode`, see `render_metrics`).
LAST_SET: Final = "mostrecent"
JWKS_AGE = Gauge(
    "sigexp_jwks_age_seconds",
    "Seconds since this process fetched auth's signing keys (NaN: not fetched yet)",
    multiprocess_mode=LAST_SET,
)
JWKS_KEYS = Gauge(
    "sigexp_jwks_keys",
    "Signing keys this process holds to verify tokens",
    multiprocess_mode=LAST_SET,
)
MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"  # set by `cli serve` when it runs several workers

ReadyCheck = Callable[[FastAPI], Awaitable[bool]]
MetricProbe = Callable[[FastAPI], None]
QUIET_PATHS = ("/health/", "/metrics")  # probes and scrapes would drown the access log
access_log = logging.getLogger("sigexp.access")


def install_request_context(app: FastAPI) -> None:
    @app.middleware("http")
    async def request_context(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        rid = request.headers.get("x-request-id") or context.new_request_id()
        # The nearest proxy (the gateway) appends the address it saw: trust that last entry.
        forwarded = request.headers.get("x-forwarded-for", "").split(",")[-1].strip()
        address = forwarded or (request.client.host if request.client else None)
        rid_token = context.request_id.set(rid)
        ip_token = context.client_address.set(address)
        started = time.perf_counter()
        try:
            response = await call_next(request)
        finally:
            context.request_id.reset(rid_token)
            context.client_address.reset(ip_token)
        route = request.scope.get("route")
        path = getattr(route, "path", "desconocida")
        elapsed = time.perf_counter() - started
        REQUESTS.labels(request.method, path, str(response.status_code)).inc()
        LATENCY.labels(request.method, path).observe(elapsed)
        response.headers["X-Request-ID"] = rid
        if not request.url.path.startswith(QUIET_PATHS):
            access_log.info(
                "%s %s %s",
                request.method,
                request.url.path,
                response.status_code,
                extra={"request_id": rid, "ms": round(elapsed * 1000, 1), "client": address},
            )
        return response


async def database_ready(app: FastAPI) -> bool:
    async with app.state.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    return True


def jwks_probe(app: FastAPI) -> None:
    verifier = app.state.verifier
    age = verifier.age_seconds
    JWKS_AGE.set(float("nan") if age is None else age)
    JWKS_KEYS.set(verifier.key_count)


def operations_router(
    checks: Mapping[str, ReadyCheck], probes: Sequence[MetricProbe] = ()
) -> APIRouter:
    """`/health/live`, `/health/ready` (every check in `checks`) and `/metrics`.

    The registry is the process's; several apps may share a process (tests), so each scrape
    sets the gauges from the scraped app's own state just before rendering.
    """
    router = APIRouter(tags=["operaciones"], include_in_schema=False)

    @router.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/health/ready")
    async def ready(request: Request) -> JSONResponse:
        results: dict[str, str] = {}
        for name, check in checks.items():
            try:
                results[name] = "ok" if await check(request.app) else "caido"
            except Exception as exc:
                results[name] = f"caido: {type(exc).__name__}"
        healthy = all(value == "ok" for value in results.values())
        return JSONResponse(
            {"status": "ok" if healthy else "no_listo", "checks": results},
            status_code=200 if healthy else 503,
        )

    @router.get("/metrics")
    async def metrics(request: Request) -> Response:
        for probe in probes:
            probe(request.app)
        return Response(render_metrics(), media_type=CONTENT_TYPE_LATEST)

    return router


def render_metrics() -> bytes:
    """The process's metrics; with several workers (`MULTIPROC_DIR` set), every process's of
    this service start added up: counters and histograms summed, gauges as `LAST_SET`. Each
    process writes its values to files there (prometheus_client's multiprocess mode), so a
    scrape answered by any worker shows the requests all of them served."""
    if not os.environ.get(MULTIPROC_DIR):
        return generate_latest()
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return generate_latest(registry)
