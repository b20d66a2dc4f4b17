"""Bus entrypoint: one transaction per message, inbox first, then the handler; ack after commit.

A service's consumers are a table, `HANDLERS = {EventModel: use_case}`: the message is parsed by
the model bound to its type, and the use case receives the parsed event (its envelope at
`event.envelope`). A body that is not a CloudEvent, or whose payload does not fit the model, is
dead-lettered at once: redelivering it cannot help. A handler that raises is nacked and
redelivered; after the queue's delivery limit RabbitMQ dead-letters it to `<service>.dlq`.
Messages behind a poison one keep flowing: it is requeued behind them.

A use case may take its events in batches, `{EventModel: Batched(use_case)}`: see `Batched`.

Messages are handled concurrently: aio-pika runs each delivery's callback as a task of its own,
and the channel's prefetch (setting `prefetch`) bounds how many are delivered and not yet
acknowledged, hence how many run at once. Nothing here orders them, and nothing could once two
consumer processes share a queue or a message is requeued: handlers that keep a copy of another
service's state apply an event only if its `Envelope.sequence` is newer
(`sigexp_common.projection.apply_if_newer`), so any order ends in the same state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from aio_pika.abc import AbstractIncomingMessage
from opentelemetry.trace import SpanKind
from prometheus_client import Counter
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, InterfaceError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sigexp_common import context, inbox, tracing
from sigexp_common.db import transaction
from sigexp_common.envelope import Envelope, Event
from sigexp_common.errors import sqlstate

log = logging.getLogger("sigexp.consumer")

Handler = Callable[[AsyncSession, Any], Awaitable[None]]
"""A use case applying one parsed event: `(db, event) -> None`; the consumer owns the commit."""
BatchHandler = Callable[[AsyncSession, Sequence[Any]], Awaitable[None]]
"""A use case applying several parsed events of one model at once, in arrival order."""


@dataclass(frozen=True)
class Batched:
    """`HANDLERS = {Model: Batched(use_case)}`: the use case takes its events in batches.

    Deliveries of that model wait, up to `max_messages` or `max_wait` seconds after the first
    (0: no wait, a batch is what arrived while the previous one was applied), and
    `use_case(db, events)` gets them in arrival order in one transaction together with the
    inbox row of each: an id already applied, or repeated inside the batch, is left out. Every
    message of the batch is acked after the commit. One batch per model is applied at a time;
    deliveries arriving meanwhile form the next one (the channel's prefetch bounds how many).
    A database outage is waited out holding the batch. A batch that fails for any other reason
    is applied again message by message, so a poison one is nacked alone (and dead-lettered
    after the queue's delivery limit) while the others are applied; a payload that does not fit
    the model never joins a batch: it is dead-lettered at once."""

    handler: BatchHandler
    max_messages: int = 100
    max_wait: float = 0.02


Handlers = Mapping[type[Event], Handler | Batched]

CONSUMED = Counter("sigexp_events_consumed_total", "Events consumed", ["type", "outcome"])
REDELIVERED = Counter(
    "sigexp_events_redelivered_total",
    "Deliveries of an event the broker had delivered before (a consumer failed or died)",
    ["type"],
)


def _traceparent(envelope: Envelope) -> str | None:
    extra = envelope.model_extra or {}
    value = extra.get("traceparent")
    return value if isinstance(value, str) else None


def connections_needed(handlers: Handlers, prefetch: int) -> int:
    """Database connections a consumer of `handlers` holds at most at once: one per batched
    model (one batch of each is applied at a time, then message by message if it failed),
    plus `prefetch` when a handler takes its events one by one (every delivery in flight
    holds one while it commits)."""
    batched = sum(isinstance(handler, Batched) for handler in handlers.values())
    one_by_one = any(not isinstance(handler, Batched) for handler in handlers.values())
    return max(1, batched + (prefetch if one_by_one else 0))


def routing_keys(handlers: Handlers) -> list[str]:
    """Binding keys: the handled types; a handler for `AnyEvent` (`#`) receives every event."""
    return sorted(model.event_type for model in handlers)


class InvalidPayload(Exception):
    """The payload does not fit the model bound to its type: dead-letter it at once."""


@dataclass
class _Delivery:
    message: AbstractIncomingMessage
    event: Event


@dataclass
class _Batch:
    """Deliveries of one batched model waiting to be applied; `leading` while a delivery's task
    is applying batches (it goes on until none is waiting)."""

    spec: Batched
    waiting: list[_Delivery] = field(default_factory=list)
    full: asyncio.Event = field(default_factory=asyncio.Event)
    leading: bool = False


class EventConsumer:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        handlers: Handlers,
        retry_seconds: float = 0.5,
        max_retry_seconds: float = 15.0,
    ) -> None:
        self.sessions = sessions
        self.handlers = {model.event_type: (model, handler) for model, handler in handlers.items()}
        self._batches = {
            model.event_type: _Batch(handler)
            for model, handler in handlers.items()
            if isinstance(handler, Batched)
        }
        self.retry_seconds = retry_seconds
        self.max_retry_seconds = max_retry_seconds

    @property
    def routing_keys(self) -> list[str]:
        return sorted(self.handlers)

    async def on_message(self, message: AbstractIncomingMessage) -> None:
        try:
            envelope = Envelope.from_bytes(message.body)
        except ValidationError:
            log.error("not a CloudEvent, dead-lettering", extra={"message_id": message.message_id})
            CONSUMED.labels("desconocido", "invalido").inc()
            await message.reject(requeue=False)
            return
        if message.redelivered:
            REDELIVERED.labels(envelope.type).inc()
        bound = self._bound(envelope)
        if bound is not None and bound[0].event_type in self._batches:
            await self._join_batch(message, envelope, bound[0])
            return
        event_token = context.event_id.set(str(envelope.id))
        request_token = context.request_id.set(envelope.requestid)
        try:
            with tracing.span(
                f"consume {envelope.type}", _traceparent(envelope), SpanKind.CONSUMER
            ):
                outcome = await self._handle_through_outages(envelope)
        except InvalidPayload as exc:
            log.error("payload does not fit %s, dead-lettering: %s", envelope.type, exc.__cause__)
            CONSUMED.labels(envelope.type, "invalido").inc()
            await message.reject(requeue=False)
            return
        except Exception:
            log.exception(
                "handler failed; message will be redelivered", extra={"type": envelope.type}
            )
            CONSUMED.labels(envelope.type, "error").inc()
            await message.nack(requeue=True)
            return
        finally:
            context.event_id.reset(event_token)
            context.request_id.reset(request_token)
        CONSUMED.labels(envelope.type, outcome).inc()
        await message.ack()

    async def _handle_through_outages(self, envelope: Envelope) -> str:
        """A database that is down or restarting is no fault of the message: keep it (unacked,
        so with the prefetch window full consumption pauses) and try again until the database
        answers. Only other errors count as redeliveries towards the dead-letter queue."""
        pause = self.retry_seconds
        while True:
            try:
                return await self.handle(envelope)
            except Exception as exc:
                if isinstance(exc, InvalidPayload) or not is_transient(exc):
                    raise
                log.warning("database unavailable, retrying in %.1fs: %s", pause, exc)
                CONSUMED.labels(envelope.type, "reintento").inc()
                await asyncio.sleep(pause)
                pause = min(pause * 2, self.max_retry_seconds)

    async def handle(self, envelope: Envelope) -> str:
        """Apply the event once: the inbox row and the handler's effect commit together."""
        bound = self._bound(envelope)
        if bound is None:  # a binding left over from an older version of the service
            return "ignorado"
        model, handler = bound
        try:
            event = model.from_envelope(envelope)
        except ValidationError as exc:
            raise InvalidPayload(envelope.type) from exc
        async with transaction(self.sessions) as session:
            if not await inbox.first_time(session, envelope):
                return "duplicado"
            if isinstance(handler, Batched):
                await handler.handler(session, [event])
            else:
                await handler(session, event)
        return "ok"

    def _bound(self, envelope: Envelope) -> tuple[type[Event], Handler | Batched] | None:
        return self.handlers.get(envelope.type) or self.handlers.get("#")

    async def _join_batch(
        self, message: AbstractIncomingMessage, envelope: Envelope, model: type[Event]
    ) -> None:
        """Queue the delivery in its model's batch; the first one waiting leads: it applies
        batches until none is waiting, the others return at once (acked by the leader)."""
        try:
            event = model.from_envelope(envelope)
        except ValidationError as exc:
            log.error("payload does not fit %s, dead-lettering: %s", envelope.type, exc)
            CONSUMED.labels(envelope.type, "invalido").inc()
            await message.reject(requeue=False)
            return
        batch = self._batches[model.event_type]
        batch.waiting.append(_Delivery(message, event))
        if len(batch.waiting) >= batch.spec.max_messages:
            batch.full.set()
        if batch.leading:
            return
        batch.leading = True
        try:
            while batch.waiting:
                if len(batch.waiting) < batch.spec.max_messages:
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(batch.spec.max_wait):
                            await batch.full.wait()
                taken = batch.waiting[: batch.spec.max_messages]
                del batch.waiting[: batch.spec.max_messages]
                if len(batch.waiting) < batch.spec.max_messages:
                    batch.full.clear()
                await self._apply_batch(batch.spec, taken)
        except asyncio.CancelledError:
            batch.waiting.clear()  # their channel is closing: the broker delivers them again
            raise
        finally:
            batch.leading = False

    async def _apply_batch(self, spec: Batched, taken: list[_Delivery]) -> None:
        pause = self.retry_seconds
        while True:
            try:
                outcomes = await self._apply(spec, taken)
                break
            except Exception as exc:
                if is_transient(exc):
                    log.warning("database unavailable, retrying in %.1fs: %s", pause, exc)
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, self.max_retry_seconds)
                    continue
                if len(taken) > 1:  # find the poison one: each message alone
                    log.warning("a batch of %d failed; applying them one by one", len(taken))
                    for delivery in taken:
                        await self._apply_batch(spec, [delivery])
                    return
                [delivery] = taken
                if isinstance(exc, InvalidPayload):  # e.g. no sequence: redelivering cannot help
                    log.error(
                        "payload does not fit %s, dead-lettering: %s",
                        delivery.event.envelope.type,
                        exc,
                    )
                    CONSUMED.labels(delivery.event.envelope.type, "invalido").inc()
                    await delivery.message.reject(requeue=False)
                    return
                log.exception(
                    "handler failed; message will be redelivered",
                    extra={"type": delivery.event.envelope.type},
                )
                CONSUMED.labels(delivery.event.envelope.type, "error").inc()
                await delivery.message.nack(requeue=True)
                return
        for delivery, outcome in zip(taken, outcomes, strict=True):
            CONSUMED.labels(delivery.event.envelope.type, outcome).inc()
            await delivery.message.ack()

    async def _apply(self, spec: Batched, taken: list[_Delivery]) -> list[str]:
        """One transaction: the inbox rows of the batch, then the use case with the events
        seen for the first time; the outcome of each delivery."""
        async with transaction(self.sessions) as session:
            nuevos = await inbox.first_times(session, [d.event.envelope for d in taken])
            fresh: list[Event] = []
            outcomes: list[str] = []
            for delivery in taken:
                event_id = delivery.event.envelope.id
                if event_id in nuevos:
                    nuevos.discard(event_id)  # a second delivery in the batch is a duplicate
                    fresh.append(delivery.event)
                    outcomes.append("ok")
                else:
                    outcomes.append("duplicado")
            if fresh:
                await spec.handler(session, fresh)
        return outcomes


_TRANSIENT_SQLSTATES = ("08", "40", "53", "57")  # connection, rollback, resources, shutdown


def is_transient(exc: BaseException) -> bool:
    """True for failures of the infrastructure (database down, restarting, refusing
    connections, a deadlock), which say nothing about the message itself."""
    if isinstance(exc, OSError | TimeoutError | InterfaceError):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        return sqlstate(exc).startswith(_TRANSIENT_SQLSTATES) or isinstance(
            exc.orig, OSError | asyncpg.exceptions.ConnectionDoesNotExistError
        )
    return isinstance(
        exc, asyncpg.exceptions.PostgresConnectionError | asyncpg.CannotConnectNowError
    )
