"""Headers the gateway sets on every answer, over those of `sigexp_common.http.RequestContext`
(CSP `default-src 'none'; frame-ancestors 'none'`, nosniff, no referrer, no-store unless the
route chose otherwise, no banner):

- an answer to a request that carried credentials (`Authorization`) is `Cache-Control:
  no-store` whatever the service said: no shared or browser cache keeps it;
- the web UI's static files keep the caching `gateway.web.assets` chose (a year under their
  content-hashed prefix, revalidated without it);
- `X-Frame-Options: DENY` for browsers that predate `frame-ancestors`;
- `Strict-Transport-Security` when the gateway is reached over HTTPS and `HSTS_SECONDS` is set.

CORS is off unless `CORS_ORIGINS` lists origins (`install_cors`).
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.settings import Settings

NO_STORE = b"no-store"


class EdgeHeaders:
    """Pure ASGI (no per-request task or body copy): rewrites the start of each answer."""

    def __init__(self, app: ASGIApp, hsts_seconds: int = 0) -> None:
        self.app = app
        self.hsts = f"max-age={hsts_seconds}".encode() if hsts_seconds > 0 else None

    def _cache_control(self, scope: Scope) -> bytes | None:
        for name, _ in scope["headers"]:
            if name == b"authorization":
                return NO_STORE
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cache = self._cache_control(scope)
        secure = self.hsts is not None and scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    h
                    for h in message.get("headers", ())
                    if not (cache is not None and h[0] == b"cache-control")
                ]
                if cache is not None:
                    headers.append((b"cache-control", cache))
                headers.append((b"x-frame-options", b"DENY"))
                if secure and self.hsts is not None:
                    headers.append((b"strict-transport-security", self.hsts))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def cors_origins(settings: Settings) -> list[str]:
    return [o.strip().rstrip("/") for o in settings.cors_origins.split(",") if o.strip()]


def install(app: FastAPI, settings: Settings) -> None:
    """The edge headers, and CORS only for the configured origins (none: no CORS headers at
    all, and a browser on another origin cannot read any answer)."""
    app.add_middleware(EdgeHeaders, hsts_seconds=settings.hsts_seconds)
    origins = cors_origins(settings)
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"],
            expose_headers=["Retry-After", "X-Request-ID", "Content-Disposition", "Location"],
            max_age=600,
        )
