"""Outbox relay: publishes committed outbox rows with publisher confirms.

It is the shared delivery loop (`sigexp_common.delivery`) over the outbox: a pass leases up to
`batch_size` due rows (`FOR UPDATE SKIP LOCKED`, committed at once), publishes them all and then
awaits every confirm, and marks the confirmed rows published; a nack or a timeout postpones only
its own row. Several relays may run against one database and never publish a row twice in one
pass. A relay that dies after publishing but before marking leaves its rows leased; they are
sent again when the lease ends and the consumers' inbox absorbs the duplicate. A row that fails
`outbox_max_attempts` times is dead (gauge `sigexp_outbox_dead`) until
`python -m <service> outbox-reintentar` revives it. With the broker down nothing is attempted.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta
from typing import Any

import asyncpg
from opentelemetry.trace import SpanKind
from prometheus_client import Counter, Gauge
from sqlalchemy import Row, delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from sigexp_common import idempotency, tracing
from sigexp_common.broker import Broker
from sigexp_common.db import asyncpg_dsn, make_engine, transaction
from sigexp_common.delivery import DeliveryLoop, DeliveryTable
from sigexp_common.envelope import utcnow
from sigexp_common.http import LAST_SET
from sigexp_common.messaging_tables import (
    NOTIFY_CHANNEL,
    InboxEntry,
    OutboxMessage,
    outbox_backlog,
)
from sigexp_common.settings import ServiceSettings
from sigexp_common.stopping import CLOSE_SECONDS, bounded

log = logging.getLogger("sigexp.relay")

PUBLISHED = Counter("sigexp_outbox_published_total", "Outbox rows published", ["type"])
FAILED = Counter("sigexp_outbox_publish_failures_total", "Failed outbox publications", ["type"])
PENDING = Gauge(
    "sigexp_outbox_pending",
    "Outbox rows committed but not yet published",
    multiprocess_mode=LAST_SET,  # set by the one relay
)
DEAD = Gauge(
    "sigexp_outbox_dead",
    "Outbox rows that failed too often and are no longer tried",
    multiprocess_mode=LAST_SET,
)

GAUGES_SECONDS = 1.0  # how stale the outbox gauges may be while the relay is busy

OUTBOX = DeliveryTable(
    model=OutboxMessage,
    id=OutboxMessage.id,
    created_at=OutboxMessage.created_at,
    delivered_at=OutboxMessage.published_at,
    attempts=OutboxMessage.attempts,
    next_attempt_at=OutboxMessage.next_attempt_at,
    last_error=OutboxMessage.last_error,
    dead_at=OutboxMessage.dead_at,
)


class OutboxRelay:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        broker: Broker,
        listen_dsn: str | None,
        poll_seconds: float = 2.0,
        batch_size: int = 100,
        max_backoff_seconds: float = 30.0,
        max_attempts: int = 20,
        lease_seconds: float | None = None,
        publish_timeout: float = 10.0,
        outbox_retention: timedelta = timedelta(days=7),
        inbox_retention: timedelta = timedelta(days=30),
        purge_every_seconds: float = 3600.0,
        asynchronous_bookkeeping: bool = True,
        coalesce_seconds: float = 0.0,
    ) -> None:
        self.sessions = sessions
        self.asynchronous_bookkeeping = asynchronous_bookkeeping
        self.broker = broker
        self.listen_dsn = listen_dsn
        self.batch_size = batch_size
        self.max_backoff_seconds = max_backoff_seconds
        self.publish_timeout = publish_timeout
        self.outbox_retention = outbox_retention
        self.inbox_retention = inbox_retention
        self.purge_every_seconds = purge_every_seconds
        self.loop = DeliveryLoop(
            sessions,
            OUTBOX,
            self._deliver,
            self._backoff,
            name="relay",
            batch_size=batch_size,
            lease_seconds=self._lease(lease_seconds, publish_timeout),
            max_attempts=max_attempts,
            poll_seconds=poll_seconds,
            ready=lambda: broker.is_ready,
            on_claim=self._update_gauges,
            coalesce_seconds=coalesce_seconds,
        )
        self._listener: asyncpg.Connection | None = None
        self._next_purge = 0.0
        self._next_gauges = 0.0

    @staticmethod
    def _lease(lease_seconds: float | None, publish_timeout: float) -> float:
        """How long a claimed row stays off other relays. A pass publishes its rows
        concurrently, each bounded by `publish_timeout`, so a live relay marks them well within
        two timeouts; three leave a margin for the mark. A relay killed mid-pass delays its
        rows by this much (then they go again and the inbox absorbs any duplicate), so it is
        kept near that bound rather than a round minute."""
        if lease_seconds is None:
            return publish_timeout * 3
        return max(lease_seconds, publish_timeout * 2)

    @classmethod
    def from_settings(
        cls,
        settings: ServiceSettings,
        sessions: async_sessionmaker[AsyncSession],
        broker: Broker,
    ) -> OutboxRelay:
        return cls(
            sessions,
            broker,
            asyncpg_dsn(settings.runtime_url),
            poll_seconds=settings.relay_poll_seconds,
            batch_size=settings.relay_batch_size,
            max_attempts=settings.outbox_max_attempts,
            outbox_retention=timedelta(days=settings.outbox_retention_days),
            inbox_retention=timedelta(days=settings.inbox_retention_days),
            coalesce_seconds=settings.relay_coalesce_ms / 1000,
        )

    async def publish_pending(self) -> int:
        """One pass: publish up to `batch_size` due rows; the number published."""
        return (await self.loop.deliver_due()).delivered

    async def count_pending(self) -> int:
        async with transaction(self.sessions) as session:
            return await self._pending(session)

    @staticmethod
    async def _pending(session: AsyncSession) -> int:
        pending = await session.scalar(select(func.count()).where(OUTBOX.waiting()))
        return int(pending or 0)

    async def _update_gauges(self, conn: AsyncConnection, claimed: int) -> None:
        """In the claim's transaction, after a pass that found nothing to publish (the figures
        are then final), and at most every `GAUGES_SECONDS` while rows keep coming: under load
        a pass per batch would count the pending rows for every batch."""
        now = asyncio.get_running_loop().time()
        if claimed and now < self._next_gauges:
            return
        self._next_gauges = now + GAUGES_SECONDS
        pending, dead, _oldest = (await conn.execute(outbox_backlog())).one()
        PENDING.set(pending)
        DEAD.set(dead)

    async def purge(self) -> tuple[int, int]:
        """Forget published rows, old inbox ids and day-old Idempotency-Key answers. Unpublished
        rows are never removed; an inbox id is kept far longer than any redelivery can take."""
        now = utcnow()
        async with transaction(self.sessions) as session:
            outbox = await session.execute(
                delete(OutboxMessage).where(
                    OutboxMessage.published_at < now - self.outbox_retention
                )
            )
            inbox = await session.execute(
                delete(InboxEntry).where(InboxEntry.received_at < now - self.inbox_retention)
            )
            await idempotency.purge(session, now)
        return int(getattr(outbox, "rowcount", 0)), int(getattr(inbox, "rowcount", 0))

    async def _deliver(self, row: Row[Any]) -> None:
        try:
            await self._publish(row)
        except Exception:
            FAILED.labels(row.type).inc()
            raise
        PUBLISHED.labels(row.type).inc()

    async def _publish(self, row: Row[Any]) -> None:
        # The stored envelope is already the CloudEvent's JSON form: no model round trip.
        body = json.dumps(row.envelope, separators=(",", ":")).encode()
        with tracing.span(
            f"publish {row.type}", row.envelope.get("traceparent"), SpanKind.PRODUCER
        ):
            await self.broker.publish(
                body, routing_key=row.type, message_id=str(row.id), timeout=self.publish_timeout
            )

    def _backoff(self, attempts: int) -> float:
        return min(self.max_backoff_seconds, 0.5 * 2.0 ** min(attempts, 10))

    async def run(self) -> None:
        """Publish forever: wake on NOTIFY from committed inserts, poll as a fallback.

        The passes' own statements (the lease of the rows claimed, the mark of those
        published) go through a small pool of the relay's whose commits do not wait for the
        WAL flush (`synchronous_commit = off`): a database crash can lose the last of them,
        and then rows are leased or published again, which the consumers' inbox absorbs, as
        after a relay crash before marking. The events themselves are written and committed
        by the use cases, durably as ever: published iff committed still holds."""
        bookkeeping = self._bookkeeping() if self.asynchronous_bookkeeping else None
        if bookkeeping is not None:
            self.loop.sessions = async_sessionmaker(bookkeeping, expire_on_commit=False)
        try:
            await self.loop.run(self._between_passes)
        finally:
            if self._listener is not None:
                await bounded(self._listener.close(), CLOSE_SECONDS, "relay: LISTEN connection")
            if bookkeeping is not None:
                self.loop.sessions = self.sessions
                await bounded(bookkeeping.dispose(), CLOSE_SECONDS, "relay: bookkeeping pool")

    def _bookkeeping(self) -> AsyncEngine:
        bind = self.sessions.kw["bind"]
        return make_engine(
            bind.url.render_as_string(hide_password=False),
            pool_size=2,  # a pass's claim while the previous pass is marked
            max_overflow=0,
            server_settings={"synchronous_commit": "off"},
        )

    async def _between_passes(self) -> None:
        if self._listener is None or self._listener.is_closed():  # e.g. the database restarted
            self._listener = await self._listen()
        now = asyncio.get_running_loop().time()
        if now >= self._next_purge:
            self._next_purge = now + self.purge_every_seconds
            removed = await self.purge()
            log.info("purged outbox and inbox rows", extra={"removed": removed})

    async def _listen(self) -> asyncpg.Connection | None:
        if not self.listen_dsn:
            return None
        try:
            conn = await asyncpg.connect(self.listen_dsn, timeout=5)
            await conn.add_listener(NOTIFY_CHANNEL, lambda *_: self.loop.wake())
            return conn
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("LISTEN unavailable, polling only: %s", exc)
            return None
