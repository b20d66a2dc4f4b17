"""What waits, measured when /metrics is scraped: the outbox's unpublished rows and the age of
the oldest, and the messages in the service's queues (consumer lag, DLQ depth, a worker queue).

Scrape time, not the relay: in compose and Kubernetes the relay is a process without HTTP, so
only the API's scrape can tell. Each reading is bounded (`TIMEOUT`); one that fails leaves NaN,
never a stale number and never a slow scrape.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from datetime import datetime

from fastapi import FastAPI
from prometheus_client import Gauge

from sigexp_common.envelope import utcnow
from sigexp_common.http import LAST_SET
from sigexp_common.messaging_tables import outbox_backlog
from sigexp_common.relay import DEAD, PENDING

log = logging.getLogger("sigexp.backlog")

TIMEOUT = 1.0
AsyncProbe = Callable[[FastAPI], Awaitable[None]]

OUTBOX_OLDEST = Gauge(
    "sigexp_outbox_oldest_pending_seconds",
    "Age of the oldest outbox row not yet published and still tried (0 when there is none)",
    multiprocess_mode=LAST_SET,
)
QUEUE_MESSAGES = Gauge(
    "sigexp_queue_messages",
    "Messages ready in a queue of this service: its consumers' lag, or what its DLQ holds",
    ["queue"],
    multiprocess_mode=LAST_SET,
)
QUEUE_CONSUMERS = Gauge(
    "sigexp_queue_consumers",
    "Consumers attached to a queue of this service",
    ["queue"],
    multiprocess_mode=LAST_SET,
)


async def outbox_probe(app: FastAPI) -> None:
    sessions = getattr(app.state, "sessions", None)
    if sessions is None:
        return
    try:
        async with asyncio.timeout(TIMEOUT), sessions() as session:
            pending, dead, oldest = (await session.execute(outbox_backlog())).one()
    except Exception as exc:  # the database is down or slow: say "unknown", not a number
        log.warning("outbox gauges unavailable: %s", exc)
        for gauge in (PENDING, DEAD, OUTBOX_OLDEST):
            gauge.set(math.nan)
        return
    PENDING.set(pending)
    DEAD.set(dead)
    OUTBOX_OLDEST.set(_age(oldest))


def _age(oldest: datetime | None) -> float:
    return 0.0 if oldest is None else max(0.0, (utcnow() - oldest).total_seconds())


def queues_probe(queues: tuple[str, ...]) -> AsyncProbe:
    """A probe of `queues` (the service's own, its DLQ, a worker queue), through the app's
    broker connection."""

    async def probe(app: FastAPI) -> None:
        broker = getattr(app.state, "broker", None)
        depths: dict[str, tuple[int, int] | None] = dict.fromkeys(queues)
        if broker is not None:
            try:  # one bound for all of them: a scrape never waits on a slow broker
                depths = await asyncio.wait_for(broker.queue_depths(queues), TIMEOUT)
            except Exception as exc:
                log.warning("queue depths unavailable: %s", exc)
        for queue, depth in depths.items():
            messages, consumers = depth if depth is not None else (math.nan, math.nan)
            QUEUE_MESSAGES.labels(queue).set(messages)
            QUEUE_CONSUMERS.labels(queue).set(consumers)

    return probe
