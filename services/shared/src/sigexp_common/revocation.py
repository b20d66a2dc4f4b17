"""Revoked sessions: "this user's access tokens issued up to T are void", in every verifier.

auth publishes `sigexp.usuario.sesiones_revocadas.v1` (data `{usuario_id, revocadas_hasta,
motivo}`) when a user is deactivated or demoted, changes or resets a password, logs out, or
reuses a spent refresh token. Every process that verifies tokens (each uvicorn worker of each
service, and the gateway) keeps the list in memory (`Revocaciones`): one entry per user, the
latest `revocadas_hasta`, forgotten once no token it voids can still be alive. `RevocationFeed`
keeps it: an exclusive, auto-delete queue of the process's own bound to that routing key, then
the whole current list from auth (`GET /internal/revocaciones`), again after every reconnection.
Applying is idempotent (the latest time per user wins), so no inbox is needed.

Fail closed for writes: while the list is not known to be complete (never loaded, the
subscription down, or back but not reloaded yet) a write with a token answers 503; reads go on
with the list as it is. A revoked token is refused (401) on every method.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aio_pika
import httpx
from aio_pika.abc import AbstractIncomingMessage
from fastapi import FastAPI
from prometheus_client import Gauge
from pydantic import BaseModel, ConfigDict, ValidationError

from sigexp_common.broker import declare_events_exchange
from sigexp_common.envelope import Envelope
from sigexp_common.errors import NoAutenticado, NoDisponible
from sigexp_common.http import LAST_SET

log = logging.getLogger("sigexp.revocation")

ROUTING_KEY = "sigexp.usuario.sesiones_revocadas.v1"
DEFAULT_LIFETIME_SECONDS = 15 * 60  # auth's access-token lifetime until its list says otherwise
SKEW_SECONDS = 60.0
HEARTBEAT_SECONDS = 10  # entries outlive the tokens they void by this much (clock differences)
REVOCADA = "La sesión fue cerrada o sus permisos cambiaron. Inicie sesión nuevamente."
INCIERTA = (
    "Por seguridad no se aceptan cambios en este momento: no se pudo confirmar que su sesión "
    "siga vigente. Intente nuevamente en unos segundos."
)

REVOCATIONS_SYNCED = Gauge(
    "sigexp_revocaciones_al_dia",
    "1 while this process's list of revoked sessions is complete (subscribed and reloaded)",
    multiprocess_mode=LAST_SET,  # set at each scrape by the worker that answers it
)
REVOCATIONS_KEPT = Gauge(
    "sigexp_revocaciones",
    "Users with revoked sessions this process keeps",
    multiprocess_mode=LAST_SET,
)


class Revocacion(BaseModel):
    """One entry: the verifiers' copy of auth's event data (tolerates fields it does not read)."""

    model_config = ConfigDict(extra="ignore")

    usuario_id: uuid.UUID
    revocadas_hasta: datetime


@dataclass(frozen=True)
class ListaRevocaciones:
    """What auth answers: the entries that may still void a living token, and that lifetime."""

    items: list[Revocacion]
    vigencia_segundos: float = DEFAULT_LIFETIME_SECONDS


RevocationSource = Callable[[], Awaitable[ListaRevocaciones]]
Listener = Callable[[uuid.UUID, datetime], None]


class Revocaciones:
    """One process's list: user id -> latest `revocadas_hasta` (POSIX seconds)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._hasta: dict[str, float] = {}
        self.lifetime_seconds: float = DEFAULT_LIFETIME_SECONDS
        self.loaded = False  # the list was fetched at least once: reads use it
        self._live = asyncio.Event()  # subscribed and reloaded since: writes may go on
        self._listeners: list[Listener] = []
        self._pruned_at = float("-inf")

    def __len__(self) -> int:
        return len(self._hasta)

    @property
    def live(self) -> bool:
        return self._live.is_set()

    async def wait_live(self) -> None:
        await self._live.wait()

    def on_revoked(self, listener: Listener) -> None:
        """`listener(usuario_id, revocadas_hasta)` after each entry that moved forward."""
        self._listeners.append(listener)

    def apply(self, usuario_id: uuid.UUID, revocadas_hasta: datetime) -> bool:
        """Keep the latest time per user; True if this one moved the entry forward."""
        self._prune()
        key, hasta = str(usuario_id), revocadas_hasta.timestamp()
        if self._hasta.get(key, float("-inf")) >= hasta:
            return False
        self._hasta[key] = hasta
        for listener in self._listeners:
            listener(usuario_id, revocadas_hasta)
        return True

    def load(self, lista: ListaRevocaciones) -> None:
        """Merge the whole list from auth (events that arrived meanwhile are kept)."""
        self.lifetime_seconds = lista.vigencia_segundos
        for item in lista.items:
            self.apply(item.usuario_id, item.revocadas_hasta)
        self.loaded = True

    def set_live(self, live: bool) -> None:
        if live:
            self._live.set()
        else:
            self._live.clear()

    def revoked(self, claims: dict[str, Any]) -> bool:
        hasta = self._hasta.get(str(claims.get("sub")))
        return hasta is not None and float(claims["iat"]) <= hasta

    def check(self, claims: dict[str, Any], *, write: bool) -> None:
        """Refuse a revoked token (401), and any write while the list may be incomplete (503)."""
        if self.revoked(claims):
            raise NoAutenticado(REVOCADA)
        if write and not self.live:
            raise NoDisponible(INCIERTA, retry_after=2)

    def _prune(self) -> None:
        now = self._clock()
        if now - self._pruned_at < 10:
            return
        self._pruned_at = now
        limit = now - self.lifetime_seconds - SKEW_SECONDS
        for key in [k for k, hasta in self._hasta.items() if hasta < limit]:
            del self._hasta[key]


REVOCATIONS_PATH = "/internal/revocaciones"


def revocations_url(jwks_url: str, configured: str | None = None) -> str:
    """`configured`, or auth's internal route on the host that serves its JWKS."""
    if configured:
        return configured
    parts = urlsplit(jwks_url)
    return urlunsplit((parts.scheme, parts.netloc, REVOCATIONS_PATH, "", ""))


def http_source(url: str, client: httpx.AsyncClient) -> RevocationSource:
    """The list as auth serves it at `url` (its internal route, never through the gateway)."""

    async def fetch() -> ListaRevocaciones:
        response = await client.get(url)
        response.raise_for_status()
        body = response.json()
        return ListaRevocaciones(
            [Revocacion.model_validate(item) for item in body["items"]],
            float(body.get("vigencia_segundos", DEFAULT_LIFETIME_SECONDS)),
        )

    return fetch


async def no_revocations() -> ListaRevocaciones:
    """The source of a process whose tokens no auth issued (tests of one service alone)."""
    return ListaRevocaciones([])


class RevocationFeed:
    """Keeps `revocaciones` complete: subscribe, (re)load, and reconnect by itself."""

    def __init__(
        self,
        revocaciones: Revocaciones,
        amqp_url: str,
        exchange: str,
        source: RevocationSource,
        name: str = "sigexp",
        retry_seconds: float = 1.0,
    ) -> None:
        self.revocaciones = revocaciones
        self.amqp_url = amqp_url
        self.exchange = exchange
        self.source = source
        self.name = name
        self.retry_seconds = retry_seconds

    async def load_once(self, timeout: float = 2.0) -> bool:
        """One attempt at the list before serving (reads then know it); never raises."""
        try:
            async with asyncio.timeout(timeout):
                self.revocaciones.load(await self.source())
            return True
        except Exception as exc:
            log.warning("revoked sessions not loaded at start: %r", exc)
            return False

    async def run(self) -> None:
        while True:
            try:
                await self._subscribed()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                _raise_if_cancelled()  # an aio-pika error in place of the stop's cancel
                log.warning("revoked sessions: subscription lost, retrying: %r", exc)
            finally:
                self.revocaciones.set_live(False)
            if not self.revocaciones.loaded:  # reads deserve the list even without the bus
                await self.load_once()
            await asyncio.sleep(self.retry_seconds)

    async def _subscribed(self) -> None:
        connection = await aio_pika.connect(
            self.amqp_url,
            timeout=5,
            # A broker that went silent is noticed within ~2 heartbeats; writes stop meanwhile.
            heartbeat=HEARTBEAT_SECONDS,
            client_properties={"connection_name": f"{self.name} revocaciones {os.getpid()}"},
        )
        closed = asyncio.Event()
        connection.close_callbacks.add(lambda *_: closed.set())
        try:
            channel = await connection.channel()
            exchange = await declare_events_exchange(connection, channel, self.exchange)
            queue = await channel.declare_queue(exclusive=True, auto_delete=True)
            await queue.bind(exchange, routing_key=ROUTING_KEY)
            await queue.consume(self._on_message, no_ack=True)
            while not closed.is_set():  # the list as of now; events since are queued already
                try:
                    self.revocaciones.load(await self.source())
                    break
                except Exception as exc:
                    _raise_if_cancelled()
                    log.warning("revoked sessions: cannot reload the list: %r", exc)
                    # asyncio.timeout, not wait_for: 3.11's wait_for can swallow the
                    # cancellation of a shutdown that lands while it waits (a hung lifespan).
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(self.retry_seconds):
                            await closed.wait()
            if not closed.is_set():
                self.revocaciones.set_live(True)
                log.info("revoked sessions: subscribed and loaded (%d)", len(self.revocaciones))
            await closed.wait()
        finally:
            self.revocaciones.set_live(False)
            if not connection.is_closed:
                with contextlib.suppress(Exception):
                    await connection.close()

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        try:
            evento = Revocacion.model_validate(Envelope.from_bytes(message.body).data)
        except (ValidationError, ValueError) as exc:
            log.warning("revoked sessions: unreadable message ignored: %r", exc)
            return
        self.revocaciones.apply(evento.usuario_id, evento.revocadas_hasta)


def _raise_if_cancelled() -> None:
    """End the feed whose cancel a library lost (`sigexp_common.stopping`): the request stays
    counted on the task even when its `CancelledError` was swallowed or replaced. The feed
    never runs inside an `asyncio.timeout` that expired, the other reason for a count."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


def invalidate_cached(app: FastAPI) -> Listener:
    """Drop the user's tokens remembered by the app's verifier (the one in place at the time)."""

    def listener(usuario_id: uuid.UUID, revocadas_hasta: datetime) -> None:
        verifier = getattr(app.state, "verifier", None)
        if verifier is not None:  # "issued at or before": one microsecond past the limit
            verifier.tokens.invalidate_user(usuario_id, revocadas_hasta + timedelta(microseconds=1))

    return listener


async def start_revocations(
    app: FastAPI, amqp_url: str, exchange: str, source: RevocationSource, name: str
) -> asyncio.Task[None]:
    """Set `app.state.revocaciones`, load it once and keep it by the feed (the task returned)."""
    revocaciones = Revocaciones()
    revocaciones.on_revoked(invalidate_cached(app))
    app.state.revocaciones = revocaciones
    feed = RevocationFeed(revocaciones, amqp_url, exchange, source, name)
    await feed.load_once()
    return asyncio.create_task(feed.run(), name="revocaciones")


def revocations_probe(app: FastAPI) -> None:
    revocaciones: Revocaciones | None = getattr(app.state, "revocaciones", None)
    REVOCATIONS_SYNCED.set(1 if revocaciones is not None and revocaciones.live else 0)
    REVOCATIONS_KEPT.set(len(revocaciones) if revocaciones is not None else 0)
