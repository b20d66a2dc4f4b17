"""One delivery loop for every queue kept in a table: claim due rows, deliver, mark or back off.

It serves the outbox relay (rows to the broker) and auth's mail sender (rows to SMTP). A pass
claims up to `batch_size` due rows with `FOR UPDATE SKIP LOCKED` and leases them (moves their
next attempt `lease_seconds` ahead) in one statement of its own (autocommit: no BEGIN/COMMIT
round trips), so no row lock and no database connection is held while the destination
answers. It then delivers the whole batch concurrently and, in one more statement, marks each
delivered row (and postpones each failed one with backoff); running, that marking overlaps the
next pass. Several loops on one table never
deliver a row twice in a pass; a loop that dies after delivering leaves its rows leased, and
they go again when the lease ends (at least once). A row that failed `max_attempts` times is
dead: it is not tried again and never holds back the rows behind it, until an operator revives
it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Row, Update, and_, any_, bindparam, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker
from sqlalchemy.orm import InstrumentedAttribute

from sigexp_common.db import autocommit, transaction
from sigexp_common.envelope import utcnow
from sigexp_common.stopping import CLOSE_SECONDS, bounded

log = logging.getLogger("sigexp.delivery")

R = TypeVar("R")


class DestinationDown(Exception):
    """The destination is down: the failure says nothing about the row (no attempt counted)."""


@dataclass(frozen=True)
class DeliveryTable(Generic[R]):
    """Which columns of a table hold the delivery state of its rows. The loop reads its rows
    as Core rows, by column name: each attribute here is named as its column."""

    model: type[R]
    id: InstrumentedAttribute[Any]
    created_at: InstrumentedAttribute[Any]
    delivered_at: InstrumentedAttribute[Any]
    attempts: InstrumentedAttribute[Any]
    next_attempt_at: InstrumentedAttribute[Any]
    last_error: InstrumentedAttribute[Any]
    dead_at: InstrumentedAttribute[Any] | None = None
    on_delivered: Mapping[str, Any] = field(default_factory=dict)  # e.g. blank a secret body

    def waiting(self) -> ColumnElement[bool]:
        """Rows still to deliver (dead ones excluded)."""
        if self.dead_at is None:
            return self.delivered_at.is_(None)
        return and_(self.delivered_at.is_(None), self.dead_at.is_(None))


@dataclass(frozen=True)
class PassResult:
    claimed: int
    delivered: int


class DeliveryLoop:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        table: DeliveryTable[Any],
        deliver: Callable[[Row[Any]], Awaitable[None]],
        backoff: Callable[[int], float],
        *,
        name: str,
        batch_size: int = 100,
        lease_seconds: float = 60.0,
        max_attempts: int | None = None,
        poll_seconds: float = 2.0,
        ready: Callable[[], bool] = lambda: True,
        on_claim: Callable[[AsyncConnection, int], Awaitable[None]] | None = None,
        coalesce_seconds: float = 0.0,
    ) -> None:
        self.sessions = sessions
        self.table = table
        self.deliver = deliver
        self.backoff = backoff
        self.name = name
        self.batch_size = batch_size
        self.lease = timedelta(seconds=lease_seconds)
        self.max_attempts = max_attempts
        self.poll_seconds = poll_seconds
        self.ready = ready
        # e.g. refresh gauges in the claim's transaction; told how many rows it claimed
        self.on_claim = on_claim
        self.coalesce_seconds = coalesce_seconds
        self._wake = asyncio.Event()
        self._tabla = table.model.__table__
        # Built once, run on Core connections: building them per pass and the ORM's bulk
        # update made a one-row pass cost the process 2.5-3.0 ms of CPU (1.7 ms now), and
        # under load a pass carries a row or two (an audited read's record is one).
        self._lease = self._lease_statement()
        self._delivered = self._delivered_statement()

    def wake(self) -> None:
        """Start a pass now (e.g. right after a commit that queued a row)."""
        self._wake.set()

    async def deliver_due(self) -> PassResult:
        """One pass: claim due rows, deliver them concurrently, mark or postpone each."""
        rows, failures = await self._claim_and_deliver()
        if rows:
            await self._mark(rows, failures)
        return PassResult(len(rows), sum(failure is None for failure in failures))

    async def _claim_and_deliver(self) -> tuple[list[Row[Any]], list[Exception | None]]:
        if not self.ready():  # a destination known to be down: leave the rows alone
            return [], []
        rows = await self._claim()
        if not rows:
            return [], []
        return rows, list(await asyncio.gather(*(self._attempt(row) for row in rows)))

    def lease_due(self, now: datetime) -> Update:
        """The claim: lease the oldest `batch_size` rows due at `now`, returning them."""
        return self._lease_statement(now, now + self.lease)

    def _lease_statement(
        self, ahora: Any = bindparam("ahora"), hasta: Any = bindparam("hasta")
    ) -> Update:
        """Leasing until `hasta` the rows due at `ahora` (bound parameters of those names, by
        default: the statement the loop builds once)."""
        t = self.table
        due = (
            select(t.id)
            .where(t.waiting(), t.next_attempt_at <= ahora)
            .order_by(t.created_at, t.id)
            .limit(self.batch_size)
            .with_for_update(skip_locked=True)
        )
        return (
            update(self._tabla)
            .where(t.id.in_(due.scalar_subquery()))
            .values({t.next_attempt_at.key: hasta})
            .returning(*self._tabla.c)
        )

    def _delivered_statement(self) -> Update:
        t = self.table
        ids = bindparam("ids", type_=ARRAY(t.id.type))
        return (
            update(self._tabla)
            .where(t.id == any_(ids))
            .values({t.delivered_at.key: bindparam("ahora"), **t.on_delivered})
        )

    async def _claim(self) -> list[Row[Any]]:
        t = self.table
        now = utcnow()
        # One statement, atomic on its own: its row locks last while it runs, and the lease it
        # writes keeps other loops off the rows afterwards (no BEGIN/COMMIT round trips).
        async with self._conexion() as conn:
            result = await conn.execute(self._lease, {"ahora": now, "hasta": now + self.lease})
            rows = list(result.all())
            if self.on_claim is not None:
                await self.on_claim(conn, len(rows))
        return sorted(rows, key=lambda row: (getattr(row, t.created_at.key), self._id(row)))

    async def _attempt(self, row: Row[Any]) -> Exception | None:
        try:
            await self.deliver(row)
        except Exception as exc:  # the destination refused or is down: postpone this row only
            return exc
        return None

    async def _mark(self, rows: Sequence[Row[Any]], failures: Sequence[Exception | None]) -> None:
        t = self.table
        now = utcnow()
        outcomes = list(zip(rows, failures, strict=True))
        delivered = [self._id(row) for row, failure in outcomes if failure is None]
        # Each UPDATE stands alone: a crash between them leaves a row leased, sent again when
        # its lease ends (at least once, as a crash before marking does).
        async with self._conexion() as conn:
            if delivered:
                await conn.execute(self._delivered, {"ids": delivered, "ahora": now})
            for row, failure in outcomes:
                if failure is not None:
                    await conn.execute(
                        update(self._tabla)
                        .where(t.id == self._id(row))
                        .values(self._postponed(row, failure, now))
                    )

    def _postponed(self, row: Row[Any], failure: Exception, now: Any) -> dict[str, Any]:
        t = self.table
        attempts = int(getattr(row, t.attempts.key))
        counted = not isinstance(failure, DestinationDown)
        if counted:
            attempts += 1
        delay = self.backoff(max(attempts, 1))
        values: dict[str, Any] = {
            t.attempts.key: attempts,
            t.next_attempt_at.key: now + timedelta(seconds=delay),
            t.last_error.key: f"{type(failure).__name__}: {failure}"[:1000],
        }
        dead = counted and self.max_attempts is not None and attempts >= self.max_attempts
        if dead and t.dead_at is not None:
            values[t.dead_at.key] = now
            log.error(
                "%s: row %s failed %d times, now dead: %s",
                self.name,
                self._id(row),
                attempts,
                failure,
            )
        else:
            log.warning("%s: delivery failed, retry in %.1fs: %s", self.name, delay, failure)
        return values

    def _conexion(self) -> AsyncConnection:
        """A connection whose every statement is its own transaction (no BEGIN/COMMIT)."""
        return autocommit(self.sessions.kw["bind"]).connect()

    def _id(self, row: Row[Any]) -> Any:
        return getattr(row, self.table.id.key)

    async def run(self, between_passes: Callable[[], Awaitable[None]] | None = None) -> None:
        """Deliver forever: a pass on every wake-up, or every `poll_seconds` at the latest.

        A pass's marking runs while the next pass claims and delivers (its rows are leased:
        no pass takes them again meanwhile), so a row committed during a pass waits for no
        marking round trip; one marking at a time. On the way out the last one is awaited
        (bounded): a marking cut short leaves its rows leased, delivered again later."""
        marking: asyncio.Task[None] | None = None
        try:
            while True:
                claimed = 0
                comienzo = asyncio.get_running_loop().time()
                try:
                    if between_passes is not None:
                        await between_passes()
                    rows, failures = await self._claim_and_deliver()
                    claimed = len(rows)
                    if rows:
                        if marking is not None:
                            await asyncio.shield(marking)  # a cancel leaves it to `finally`
                        marking = asyncio.create_task(
                            self._mark_logged(rows, failures), name=f"{self.name}: marking"
                        )
                except Exception:
                    log.exception("%s pass failed", self.name)
                if claimed >= self.batch_size:
                    continue  # more are waiting
                with contextlib.suppress(TimeoutError):  # asyncio.timeout: cancellable (3.11)
                    async with asyncio.timeout(self.poll_seconds):
                        await self._wake.wait()
                self._wake.clear()
                espera = comienzo + self.coalesce_seconds - asyncio.get_running_loop().time()
                if claimed and espera > 0:
                    # Woken again within `coalesce_seconds` of the start of a pass that found
                    # rows: a pass per wake-up would carry a row or two, and a pass's own work
                    # (its claim, its marking) costs more than a row's, so the rows committed
                    # meanwhile go together, at most one pass per `coalesce_seconds`. A row
                    # after a quieter spell than that goes at once.
                    await asyncio.sleep(espera)
        finally:
            if marking is not None:
                await bounded(marking, CLOSE_SECONDS, f"{self.name}: last marking")

    async def _mark_logged(
        self, rows: Sequence[Row[Any]], failures: Sequence[Exception | None]
    ) -> None:
        """`_mark` in the background: its failure is logged (its rows stay leased and go again
        when the lease ends, as after a crash before marking)."""
        try:
            await self._mark(rows, failures)
        except Exception:
            log.exception("%s: marking delivered rows failed", self.name)


async def revive(
    sessions: async_sessionmaker[AsyncSession],
    table: DeliveryTable[Any],
    ids: Sequence[Any] = (),
) -> int:
    """Give dead rows (all, or those of `ids`) a fresh set of attempts, due now."""
    assert table.dead_at is not None, "this table has no dead state"
    condition = and_(table.dead_at.is_not(None), table.delivered_at.is_(None))
    if ids:
        condition = and_(condition, table.id.in_(ids))
    fresh = {table.dead_at.key: None, table.attempts.key: 0, table.next_attempt_at.key: utcnow()}
    async with transaction(sessions) as db:
        result = await db.execute(
            update(table.model)
            .where(condition)
            .values(fresh)
            .execution_options(synchronize_session=False)
        )
    return int(getattr(result, "rowcount", 0))
