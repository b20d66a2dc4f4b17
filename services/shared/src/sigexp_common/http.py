"""HTTP plumbing shared by every service: request id, client address, metrics, health.

Readiness (`/health/ready`) says "this process can serve": its database (and whatever the
service itself needs to answer, e.g. storage). The broker is not part of it: the outbox keeps
writes going while RabbitMQ is down. What readiness leaves out, `/metrics` shows: gauges that
`MetricProbe`s set from the app's state at every scrape (`app.broker_probe`, `jwks_probe`).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Final

from fastapi import APIRouter, FastAPI, Request, Response, params
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from opentelemetry.trace import SpanKind
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
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sigexp_common import context, tracing
from sigexp_common.errors import RechazoDeBorde, respuesta_inesperada

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
AsyncMetricProbe = Callable[[FastAPI], Awaitable[None]]  # e.g. a query; bounded by itself
AddressOf = Callable[[Scope], "str | None"]
QUIET_PATHS = ("/health/", "/metrics")  # probes and scrapes would drown the access log
access_log = logging.getLogger("sigexp.access")

GATEWAY_HEADER = "x-sigexp-gateway"  # the shared secret that vouches for X-Forwarded-For
REQUEST_ID = re.compile(r"[A-Za-z0-9-]{1,64}")
# What an API answer may load or be framed by: nothing. A route that serves HTML (the
# gateway's UI) sets its own Content-Security-Policy, and that one is kept.
API_CSP = "default-src 'none'; frame-ancestors 'none'"


def peer_address(scope: Scope) -> str | None:
    client = scope.get("client")
    return client[0] if client else None


def _is_json(media_type: str) -> bool:
    media = media_type.partition(";")[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


class RequestContext:
    """Pure ASGI middleware around every request of a service (or the gateway).

    - request id: the caller's `X-Request-ID` when it is a bounded `[A-Za-z0-9-]` id, else a
      new one; in the context, the logs, the events, and echoed in the answer;
    - client address: the TCP peer, or the `X-Forwarded-For` the gateway wrote when the
      request carries the gateway's secret (`X-Sigexp-Gateway`); `address_of` replaces that
      rule (the gateway decides from its own trusted proxies);
    - the body: at most `max_body_bytes` (or the route's entry in `body_limits`, by path
      template), refused with 413 from its Content-Length or once the bytes streamed exceed it,
      never read whole first; a route that takes a JSON body refuses another type with 415;
    - security headers on every answer (CSP, nosniff, no referrer, `Cache-Control: no-store`
      unless the route chose its own), no `X-Powered-By`-style banner;
    - metrics and the access log.
    """

    def __init__(
        self,
        app: ASGIApp,
        gateway_secret: str | None = None,
        address_of: AddressOf | None = None,
        max_body_bytes: int | None = None,
        body_limits: Mapping[str, int] | None = None,
        content_security_policy: str = API_CSP,
    ) -> None:
        self.app = app
        self.secret = gateway_secret.encode() if gateway_secret else None
        self.address_of = address_of
        self.max_body_bytes = max_body_bytes
        self.body_limits = dict(body_limits or {})
        self.defaults = [
            (b"content-security-policy", content_security_policy.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"cache-control", b"no-store"),
        ]

    def _address(self, scope: Scope, forwarded: bytes | None, vouch: bytes | None) -> str | None:
        if self.address_of is not None:
            return self.address_of(scope)
        if forwarded and vouch and self.secret and hmac.compare_digest(vouch, self.secret):
            try:  # the gateway sends exactly one address; anything else is not one
                last = forwarded.split(b",")[-1].strip().decode("ascii")
                return str(ipaddress.ip_address(last))
            except (UnicodeDecodeError, ValueError):
                pass
        return peer_address(scope)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid_raw = forwarded = vouch = length = None
        chunked = False
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                rid_raw = value
            elif name == b"x-forwarded-for":
                forwarded = value
            elif name == b"x-sigexp-gateway":
                vouch = value
            elif name == b"content-length":
                length = value
            elif name == b"transfer-encoding":
                chunked = True
        rid = rid_raw.decode("latin-1") if rid_raw else ""
        if not REQUEST_ID.fullmatch(rid):
            rid = context.new_request_id()
        address = self._address(scope, forwarded, vouch)
        body = _BodyGuard(self, scope, receive, length, chunked)
        status = 500
        started_response = False
        rid_header = (b"x-request-id", rid.encode())

        async def send_with_headers(message: Message) -> None:
            nonlocal status, started_response
            if message["type"] == "http.response.start":
                started_response = True
                status = message["status"]
                headers = [h for h in message.get("headers", ()) if h[0] != b"x-request-id"]
                present = {h[0] for h in headers}
                headers.append(rid_header)
                headers.extend(h for h in self.defaults if h[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        rid_token = context.request_id.set(rid)
        ip_token = context.client_address.set(address)
        started = time.perf_counter()
        server_span = tracing.span(
            f"{scope['method']} {scope['path']}",
            tracing.incoming(scope["headers"]),
            SpanKind.SERVER,
        )
        try:
            with server_span:
                await self.app(scope, body.receive, send_with_headers)
        except Exception as exc:
            if started_response:
                raise
            # Unexpected errors are answered here, inside these headers and metrics.
            await respuesta_inesperada(Request(scope), exc)(scope, receive, send_with_headers)
        finally:
            context.request_id.reset(rid_token)
            context.client_address.reset(ip_token)
        elapsed = time.perf_counter() - started
        path = getattr(scope.get("route"), "path", "desconocida")
        method = scope["method"]
        REQUESTS.labels(method, path, str(status)).inc()
        LATENCY.labels(method, path).observe(elapsed)
        if not scope["path"].startswith(QUIET_PATHS):
            access_log.info(
                "%s %s %s",
                method,
                scope["path"],
                status,
                extra={"request_id": rid, "ms": round(elapsed * 1000, 1), "client": address},
            )


class _BodyGuard:
    """The request's `receive`, checked when the route first reads the body (by then the
    route is known, so its own limit and whether it takes JSON are too)."""

    __slots__ = ("checked", "chunked", "edge", "length", "limit", "raw", "scope", "seen")

    def __init__(
        self,
        edge: RequestContext,
        scope: Scope,
        raw: Receive,
        length: bytes | None,
        chunked: bool,
    ) -> None:
        self.edge, self.scope, self.raw = edge, scope, raw
        self.length, self.chunked = length, chunked
        self.checked = False
        self.limit: int | None = None
        self.seen = 0

    def _first_read(self) -> int | None:
        route = self.scope.get("route")
        limit = self.edge.body_limits.get(getattr(route, "path", ""), self.edge.max_body_bytes)
        declared = int(self.length) if self.length and self.length.isdigit() else None
        if declared is not None and limit is not None and declared > limit:
            raise _too_large(limit)
        has_body = self.chunked or bool(declared)
        if has_body and isinstance(route, APIRoute) and _takes_json(route):
            content_type = dict(self.scope["headers"]).get(b"content-type", b"")
            if not _is_json(content_type.decode("latin-1")):
                raise RechazoDeBorde(
                    415, "Esta dirección recibe JSON: envíe el cuerpo como application/json."
                )
        return limit

    async def receive(self) -> Message:
        if not self.checked:
            self.limit = self._first_read()
            self.checked = True
        message = await self.raw()
        if self.limit is not None and message["type"] == "http.request":
            self.seen += len(message.get("body", b""))
            if self.seen > self.limit:
                raise _too_large(self.limit)
        return message


def _takes_json(route: APIRoute) -> bool:
    field = route.body_field
    return field is not None and not isinstance(field.field_info, params.Form)


def _too_large(limit: int) -> RechazoDeBorde:
    size = f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit // 1024} KiB"
    return RechazoDeBorde(413, f"El contenido enviado supera el máximo de {size}.")


def install_request_context(
    app: FastAPI,
    *,
    gateway_secret: str | None = None,
    address_of: AddressOf | None = None,
    max_body_bytes: int | None = None,
    body_limits: Mapping[str, int] | None = None,
    content_security_policy: str = API_CSP,
) -> None:
    """Wrap `app` in `RequestContext` (see there for what each argument decides). Without
    `max_body_bytes` bodies are not limited here (the gateway streams uploads up as they come
    and leaves the limit to the service behind it)."""
    app.add_middleware(
        RequestContext,
        gateway_secret=gateway_secret,
        address_of=address_of,
        max_body_bytes=max_body_bytes,
        body_limits=body_limits,
        content_security_policy=content_security_policy,
    )


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
    checks: Mapping[str, ReadyCheck],
    probes: Sequence[MetricProbe] = (),
    async_probes: Sequence[AsyncMetricProbe] = (),
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
        for async_probe in async_probes:  # each bounds its own time
            await async_probe(request.app)
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
