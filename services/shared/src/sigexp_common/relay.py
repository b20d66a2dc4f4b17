"""Outbox relay: publishes committed outbox rows with publisher confirms.

Several relays may run against one database: each pass claims rows with
`FOR UPDATE SKIP LOCKED` and holds the lock until the rows are marked published, so two relays
never publish the same row in one pass. A relay that dies after publishing but before marking
leaves the row unpublished; it is sent again and the consumers' inbox absorbs the duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

import asyncpg
from prometheus_client import Counter, Gauge
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sigexp_common import idempotency
from sigexp_common.broker import Broker
from sigexp_common.db import asyncpg_dsn, transaction
from sigexp_common.envelope import Envelope, utcnow
from sigexp_common.messaging_tables import NOTIFY_CHANNEL, InboxEntry, OutboxMessage
from sigexp_common.settings import ServiceSettings

log = logging.getLogger("sigexp.relay")

PUBLISHED = Counter("sigexp_outbox_published_total", "Outbox rows published", ["type"])
FAILED = Counter("sigexp_outbox_publish_failures_total", "Failed outbox publications", ["type"])
PENDING = Gauge("sigexp_outbox_pending", "Outbox rows committed but not yet published")


class OutboxRelay:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        broker: Broker,
        listen_dsn: str | None,
        poll_seconds: float = 2.0,
        batch_size: int = 100,
        max_backoff_seconds: float = 30.0,
        outbox_retention: timedelta = timedelta(days=7),
        inbox_retention: timedelta = timedelta(days=30),
        purge_every_seconds: float = 3600.0,
    ) -> None:
        self.sessions = sessions
        self.broker = broker
        self.listen_dsn = listen_dsn
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self.max_backoff_seconds = max_backoff_seconds
        self.outbox_retention = outbox_retention
        self.inbox_retention = inbox_retention
        self.purge_every_seconds = purge_every_seconds
        self._wake = asyncio.Event()

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
            asyncpg_dsn(settings.database_url),
            poll_seconds=settings.relay_poll_seconds,
            outbox_retention=timedelta(days=settings.outbox_retention_days),
            inbox_retention=timedelta(days=settings.inbox_retention_days),
        )

    async def publish_pending(self) -> int:
        """One pass: claim up to `batch_size` due rows, publish them in order, mark them."""
        published = 0
        async with transaction(self.sessions) as session:
            rows = (
                await session.scalars(
                    select(OutboxMessage)
                    .where(
                        OutboxMessage.published_at.is_(None),
                        OutboxMessage.next_attempt_at <= utcnow(),
                    )
                    .order_by(OutboxMessage.created_at, OutboxMessage.id)
                    .limit(self.batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            for row in rows:
                try:
                    await self._publish(row)
                except Exception as exc:  # broker down, nack, unroutable: retry later
                    self._postpone(row, exc)
                    break  # the broker is likely down: end this pass, retry later
                row.published_at = utcnow()
                published += 1
                PUBLISHED.labels(row.type).inc()
            PENDING.set(await self._pending(session))  # same pass, no extra transaction
        return published

    async def count_pending(self) -> int:
        async with transaction(self.sessions) as session:
            return await self._pending(session)

    @staticmethod
    async def _pending(session: AsyncSession) -> int:
        pending = await session.scalar(
            select(func.count()).where(OutboxMessage.published_at.is_(None))
        )
        return int(pending or 0)

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

    async def _publish(self, row: OutboxMessage) -> None:
        envelope = Envelope.model_validate(row.envelope)
        await self.broker.publish(envelope.to_bytes(), routing_key=row.type, message_id=str(row.id))

    def _postpone(self, row: OutboxMessage, exc: Exception) -> None:
        row.attempts += 1
        delay = min(self.max_backoff_seconds, 0.5 * 2 ** min(row.attempts, 10))
        row.next_attempt_at = utcnow() + timedelta(seconds=delay)
        row.last_error = f"{type(exc).__name__}: {exc}"[:1000]
        FAILED.labels(row.type).inc()
        log.warning("publish failed, retry in %.1fs: %s", delay, row.last_error)

    async def run(self) -> None:
        """Publish forever: wake on NOTIFY from committed inserts, poll as a fallback."""
        listener = await self._listen()
        next_purge = 0.0
        try:
            while True:
                if listener is None or listener.is_closed():  # e.g. the database restarted
                    listener = await self._listen()
                try:
                    count = await self.publish_pending()
                    if asyncio.get_running_loop().time() >= next_purge:
                        removed = await self.purge()
                        log.info("purged outbox and inbox rows", extra={"removed": removed})
                        next_purge = asyncio.get_running_loop().time() + self.purge_every_seconds
                except Exception:
                    log.exception("relay pass failed")
                    count = 0
                if count >= self.batch_size:
                    continue
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
        finally:
            if listener is not None:
                await listener.close()

    async def _listen(self) -> asyncpg.Connection | None:
        if not self.listen_dsn:
            return None
        try:
            conn = await asyncpg.connect(self.listen_dsn, timeout=5)
            await conn.add_listener(NOTIFY_CHANNEL, lambda *_: self._wake.set())
            return conn
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("LISTEN unavailable, polling only: %s", exc)
            return None
