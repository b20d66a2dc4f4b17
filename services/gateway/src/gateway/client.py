"""The gateway's one HTTP client to the services: a pooled aiohttp session, timeouts per service.

aiohttp rather than httpx: httpx's async pool cost ~5 ms of CPU per proxied request here,
aiohttp's session under 1 ms (issue 8), and the gateway pays it on every request it forwards.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import aiohttp
from yarl import URL

from gateway.settings import Settings, services
from sigexp_common.errors import NoDisponible

log = logging.getLogger("sigexp.gateway")

# Failures of an upstream exchange: refused or timed out connection, timeout waiting for the
# answer, connection dropped mid-way. All mean "the service does not answer".
UPSTREAM_ERRORS = (aiohttp.ClientError, TimeoutError)


@dataclass(frozen=True)
class Upstream:
    name: str
    base_url: str
    timeout: aiohttp.ClientTimeout

    def url(self, raw_path: str, query: str = "") -> URL:
        """The service's URL for the path exactly as the client encoded it (no requoting)."""
        return URL(self.base_url + raw_path + (f"?{query}" if query else ""), encoded=True)

    def failed(self, exc: BaseException) -> None:
        log.warning("upstream %s failed: %r", self.name, exc)

    def unavailable(self, exc: BaseException | None = None) -> NoDisponible:
        """The 503 a client reads; `exc`, the failure behind it, goes to the log."""
        if exc is not None:
            self.failed(exc)
        return NoDisponible(
            f"El servicio de {self.name} no responde en este momento. Intente nuevamente.",
            retry_after=5,
        )


def _upstream(settings: Settings, name: str) -> Upstream:
    connect = getattr(settings, f"{name}_connect_timeout_seconds")
    read = getattr(settings, f"{name}_read_timeout_seconds")
    connect = settings.connect_timeout_seconds if connect is None else connect
    read = settings.read_timeout_seconds if read is None else read
    url: str = getattr(settings, f"{name}_url")
    # No total: a 500 MB transfer takes as long as it takes while bytes keep moving. Waiting
    # for a free pooled connection counts as waiting for the answer.
    timeout = aiohttp.ClientTimeout(total=None, connect=read, sock_connect=connect, sock_read=read)
    return Upstream(name, url.rstrip("/"), timeout)


class Upstreams:
    """One `ClientSession` for every service; keep-alive connections pooled per service."""

    def __init__(self, settings: Settings) -> None:
        self.services = {name: _upstream(settings, name) for name in services()}
        connector = aiohttp.TCPConnector(
            limit=settings.max_connections_per_service * len(self.services),
            limit_per_host=settings.max_connections_per_service,
            keepalive_timeout=settings.keepalive_seconds,
        )
        self.session = aiohttp.ClientSession(
            connector=connector,
            # A proxy: bodies pass as they are (compressed stays compressed), cookies belong
            # to the browser (a shared jar would hand one user's cookie to the next), and no
            # header the client did not send is made up on its behalf.
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
            trust_env=False,
        )

    def __getitem__(self, service: str) -> Upstream:
        return self.services[service]

    async def aclose(self) -> None:
        await self.session.close()
