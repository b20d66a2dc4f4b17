"""Edge limits: how large a request body may be for its route class, and how fast one user or
one address may ask (token buckets kept in this process; several gateways each keep theirs)."""

from __future__ import annotations

import math
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from starlette.requests import Request

from gateway.settings import Settings
from sigexp_common.errors import DemasiadoGrande, DemasiadosIntentos

UUID = r"[0-9a-fA-F-]{36}"
UPLOADS = (
    ("POST", re.compile(rf"^/api/v1/expedientes/{UUID}/archivos$")),
    ("PUT", re.compile(rf"^/api/v1/archivos/{UUID}$")),
)
IMPORTS = (
    ("POST", re.compile(r"^/api/v1/catalogo/(importar|feriados/importar)$")),
    ("POST", re.compile(rf"^/api/v1/expedientes/{UUID}/correcciones$")),
)


def body_limit(settings: Settings, method: str, path: str) -> int:
    """The largest body the route class of `method path` takes."""
    if any(method == m and p.match(path) for m, p in UPLOADS):
        return settings.upload_body_max_bytes
    if any(method == m and p.match(path) for m, p in IMPORTS):
        return settings.import_body_max_bytes
    return settings.body_max_bytes


def _too_large(limit: int) -> DemasiadoGrande:
    megas = limit / (1024 * 1024)
    return DemasiadoGrande(f"El contenido enviado supera el máximo admitido ({megas:g} MB).")


def check_declared_length(request: Request, limit: int) -> None:
    """A declared `Content-Length` over the route's limit is refused before anything is read."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise _too_large(limit)


async def bounded(stream: AsyncIterator[bytes], limit: int) -> AsyncIterator[bytes]:
    """`stream` passed on as it comes, cut with a 413 once it goes past `limit` (a chunked
    body declares no length)."""
    seen = 0
    async for chunk in stream:
        seen += len(chunk)
        if seen > limit:
            raise _too_large(limit)
        yield chunk


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """Token buckets by key: `rate` tokens a second up to `burst`; a request takes one.
    Buckets that have refilled completely are forgotten now and then (memory stays bounded by
    the keys active in the last few seconds)."""

    def __init__(self, rate: float, burst: int, what: str) -> None:
        self.rate, self.burst, self.what = rate, max(burst, 1), what
        self.buckets: dict[str, _Bucket] = {}
        self.sweep_at = time.monotonic() + 60

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, key: str) -> None:
        now = time.monotonic()
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = _Bucket(float(self.burst), now)
        else:
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
            bucket.stamp = now
        if bucket.tokens < 1:
            wait = math.ceil((1 - bucket.tokens) / self.rate)
            raise DemasiadosIntentos(
                f"Demasiados pedidos desde {self.what}: espere {wait} s e intente nuevamente.",
                retry_after=max(wait, 1),
            )
        bucket.tokens -= 1
        if now >= self.sweep_at:
            self._sweep(now)

    def _sweep(self, now: float) -> None:
        full = self.burst / self.rate
        self.buckets = {k: b for k, b in self.buckets.items() if now - b.stamp < full}
        self.sweep_at = now + 60


@dataclass
class Limiters:
    user: RateLimiter
    address: RateLimiter

    @classmethod
    def of(cls, settings: Settings) -> Limiters:
        return cls(
            RateLimiter(settings.user_rate_per_second, settings.user_burst, "su usuario"),
            RateLimiter(settings.address_rate_per_second, settings.address_burst, "su dirección"),
        )
