"""The gateway's one HTTP client to the services: a pooled aiohttp session, timeouts per service.

aiohttp rather than httpx: httpx's async pool cost ~5 ms of CPU per proxied request here,
aiohttp's session under 1 ms (issue 8), and the gateway pays it on every request it forwards.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
from yarl import URL

from gateway.settings import Settings, services
from sigexp_common.errors import NoDisponible

log = logging.getLogger("sigexp.gateway")

# Failures of an upstream exchange: refused or timed out connection, timeout waiting for the
# answer, connection dropped mid-way. All mean "the service does not answer".
UPSTREAM_ERRORS = (aiohttp.ClientError, TimeoutError)
# A pooled connection the service had already closed: the request may or may not have been
# sent, so only a request that is safe to repeat is repeated, once, on a new connection.
DEAD_CONNECTION = (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
Body = bytes | AsyncIterator[bytes] | None


def may_repeat(method: str, body: Body, exc: BaseException) -> bool:
    """Repeat once: a connection that never connected (nothing was sent), or a dead pooled
    connection under a request that is idempotent and whose body is still whole in memory."""
    if isinstance(body, AsyncIterator):
        return False  # part of a streamed body may be gone already
    if isinstance(exc, aiohttp.ClientConnectorError):
        return True
    return isinstance(exc, DEAD_CONNECTION) and method in IDEMPOTENT


class Answer(aiohttp.ClientResponse):
    """A service's answer whose connection is closed, not pooled, after a 5xx: a service that
    failed may close it right after answering (uvicorn does after an unhandled error), and
    the next request, another user's, must not be the one to find it dead.

    aiohttp may see the end of a small body before it has set the status (and would pool the
    connection right then): that end is held until the status is known.
    """

    _eof_before_status = False

    async def start(self, connection: aiohttp.connector.Connection) -> Answer:
        await super().start(connection)
        if self._eof_before_status:
            self._response_eof()
        return self

    def _response_eof(self) -> None:
        if self.status is None:
            self._eof_before_status = True
            return
        connection = self._connection
        if self.status >= 500 and connection is not None and connection.protocol is not None:
            connection.protocol.force_close()
        super()._response_eof()


@dataclass(frozen=True)
class Upstream:
    name: str
    base_url: str
    timeout: aiohttp.ClientTimeout

    @property
    def origin(self) -> str:
        """`http://host:port`: a `Location` that starts with it points inside the system."""
        return str(URL(self.base_url).origin())

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
            response_class=Answer,
        )
        # The second try of a request whose pooled connection was dead: a new connection, never
        # another pooled one (after a service restart every pooled connection is dead).
        self.fresh = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(force_close=True),
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
            trust_env=False,
        )
        self.origins = frozenset(u.origin for u in self.services.values())
        # Parts of composed views that came after their budget, left to finish (see `leave`).
        self.late: set[asyncio.Task[object]] = set()
        self.max_late = settings.max_connections_per_service

    def __getitem__(self, service: str) -> Upstream:
        return self.services[service]

    async def request(
        self, upstream: Upstream, method: str, url: URL, headers: list[tuple[str, str]], body: Body
    ) -> aiohttp.ClientResponse:
        """The service's answer; redirects are the client's to follow (a presigned download)."""
        for session in (self.session, self.fresh):
            try:
                return await session.request(
                    method,
                    url,
                    headers=headers,
                    data=body,
                    allow_redirects=False,
                    timeout=upstream.timeout,
                )
            except UPSTREAM_ERRORS as exc:
                if session is self.fresh or not may_repeat(method, body, exc):
                    raise
                log.info(
                    "upstream %s: %s again on a new connection: %r", upstream.name, method, exc
                )
        raise AssertionError("unreachable")

    def leave(self, task: asyncio.Task[object]) -> None:
        """A part the view no longer waits for finishes on its own, so that its connection
        goes back to the pool: cancelled, it would be closed, and the next request would pay a
        new connection to the service (under load, most of the gateway's CPU, py-spy). At most
        `max_late` at a time (a service that hangs does not pile them up); beyond, cancelled."""
        if task.done():
            return
        if len(self.late) >= self.max_late:
            task.cancel()
            return
        self.late.add(task)
        task.add_done_callback(self._late_done)

    def _late_done(self, task: asyncio.Task[object]) -> None:
        self.late.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("late part failed: %r", task.exception())

    async def aclose(self) -> None:
        for task in list(self.late):
            task.cancel()
        await asyncio.gather(*self.late, return_exceptions=True)
        await self.session.close()
        await self.fresh.close()
