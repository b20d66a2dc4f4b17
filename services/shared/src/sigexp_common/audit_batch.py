"""Group commit of read records: the audit records of concurrent reads share one transaction.

A read's record is durable before its answer leaves (nothing is lost on a crash), but one
transaction and one WAL flush per read cost the machine more than the read itself. So each
service process keeps one `AuditBatcher` (the app's lifespan starts and closes it):
`audit.lectura` hands it the record and waits; the batcher writes every record waiting as one
INSERT into the outbox, in one transaction, and wakes each waiter once that commit returned.

A batch is written when it holds `max_records`, or `max_wait` seconds after it began; one batch
is written at a time and records arriving meanwhile form the next one, so the busier the
process, the larger its batches. A batch whose commit fails fails every read in it with
`NoDisponible` (503 problem+json): no client gets an answer whose record was not stored. The
relay publishes the rows like any other (the outbox trigger NOTIFYs it once per batch).

The batcher writes on a connection of its own: the reads waiting for it hold the pool's, and a
batch queued behind them for a pooled connection would wait for them to finish, forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from prometheus_client import Counter, Histogram
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from sigexp_common import outbox
from sigexp_common.consumer import is_transient
from sigexp_common.envelope import Envelope
from sigexp_common.errors import NoDisponible

log = logging.getLogger("sigexp.audit")

BATCHES = Counter("sigexp_audit_batches_total", "Group commits of read records", ["outcome"])
RECORDS = Counter("sigexp_audit_read_records_total", "Read records group-committed", ["outcome"])
BATCH_SIZE = Histogram(
    "sigexp_audit_batch_records",
    "Read records per group commit",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512),
)

APPLICATION_NAME = "sigexp-audit-batch"  # how pg_stat_activity shows its connection
NO_REGISTRADA = (
    "No se pudo registrar la consulta en la auditoría, por eso no se muestra. "
    "Intente nuevamente en unos segundos."
)


class AuditBatcher:
    def __init__(
        self,
        database_url: str,
        *,
        max_records: int = 500,
        max_wait: float = 0.002,
        engine: AsyncEngine | None = None,
    ) -> None:
        self.engine = engine or create_async_engine(
            database_url,
            pool_size=1,
            max_overflow=0,
            connect_args={"server_settings": {"application_name": APPLICATION_NAME}},
        )
        self.max_records = max_records
        self.max_wait = max_wait
        self._waiting: list[tuple[Envelope, asyncio.Future[None]]] = []
        self._arrived = asyncio.Event()
        self._full = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="audit-batcher")

    async def close(self) -> None:
        """Write what is still waiting, then stop."""
        self._closing = True
        self._arrived.set()
        if self._task is not None:
            await self._task
        await self.engine.dispose()

    @property
    def waiting(self) -> int:
        """Records waiting for the next batch."""
        return len(self._waiting)

    async def registrar(self, envelope: Envelope) -> None:
        """Return once `envelope`'s outbox row is committed; `NoDisponible` if it was not."""
        if self._task is None or self._task.done() or self._closing:
            raise NoDisponible(NO_REGISTRADA, retry_after=1)
        committed = asyncio.get_running_loop().create_future()
        self._waiting.append((envelope, committed))
        self._arrived.set()
        if len(self._waiting) >= self.max_records:
            self._full.set()
        await committed

    async def _run(self) -> None:
        while True:
            await self._arrived.wait()
            if not self._waiting:
                if self._closing:
                    return
                self._arrived.clear()
                continue
            if len(self._waiting) < self.max_records and not self._closing:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.max_wait):
                        await self._full.wait()
            batch = self._waiting[: self.max_records]
            del self._waiting[: self.max_records]
            if len(self._waiting) < self.max_records:
                self._full.clear()
            await self._write(batch)

    async def _write(self, batch: list[tuple[Envelope, asyncio.Future[None]]]) -> None:
        BATCH_SIZE.observe(len(batch))
        try:
            await self._insert([envelope for envelope, _ in batch])
        except Exception:
            BATCHES.labels("error").inc()
            RECORDS.labels("error").inc(len(batch))
            log.exception(
                "read records could not be committed; their reads answer 503",
                extra={"records": len(batch)},
            )
            for _, committed in batch:
                if not committed.done():  # a reader that went away waits no more
                    committed.set_exception(NoDisponible(NO_REGISTRADA, retry_after=1))
            return
        BATCHES.labels("ok").inc()
        RECORDS.labels("ok").inc(len(batch))
        for _, committed in batch:
            if not committed.done():
                committed.set_result(None)

    async def _insert(self, envelopes: list[Envelope]) -> None:
        values = outbox.arreglos(envelopes)
        try:
            async with self.engine.begin() as conn:
                await conn.execute(outbox.INSERTAR, values)
        except Exception as exc:
            if not is_transient(exc):
                raise
            # A dropped connection (the database restarted, the connection was killed): once
            # more on a new one. The commit may have happened unseen; ON CONFLICT keeps it once.
            log.warning("read records: connection lost, writing again: %s", exc)
            async with self.engine.begin() as conn:
                await conn.execute(outbox.INSERTAR, values)
