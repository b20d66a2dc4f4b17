"""Bus entrypoint: one transaction per message, inbox first, then the handler; ack after commit.

A service's consumers are a table, `HANDLERS = {EventModel: use_case}`: the message is parsed by
the model bound to its type, and the use case receives the parsed event (its envelope at
`event.envelope`). A body that is not a CloudEvent, or whose payload does not fit the model, is
dead-lettered at once: redelivering it cannot help. A handler that raises is nacked and
redelivered; after the queue's delivery limit RabbitMQ dead-letters it to `<service>.dlq`.
Messages behind a poison one keep flowing: it is requeued behind them.

Messages are handled concurrently: aio-pika runs each delivery's callback as a task of its own,
and the channel's prefetch (setting `prefetch`) bounds how many are delivered and not yet
acknowledged, hence how many run at once. Nothing here orders them, and nothing could once two
consumer processes share a queue or a message is requeued: handlers that keep a copy of another
service's state apply an event only if its `Envelope.sequence` is newer
(`sigexp_common.projection.apply_if_newer`), so any order ends in the same state.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import asyncpg
from aio_pika.abc import AbstractIncomingMessage
from prometheus_client import Counter
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, InterfaceError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sigexp_common import context, inbox
from sigexp_common.db import transaction
from sigexp_common.envelope import Envelope, Event
from sigexp_common.errors import sqlstate

log = logging.getLogger("sigexp.consumer")

Handler = Callable[[AsyncSession, Any], Awaitable[None]]
"""A use case applying one parsed event: `(db, event) -> None`; the consumer owns the commit."""
Handlers = Mapping[type[Event], Handler]

CONSUMED = Counter("sigexp_events_consumed_total", "Events consumed", ["type", "outcome"])


def routing_keys(handlers: Handlers) -> list[str]:
    """Binding keys: the handled types; a handler for `AnyEvent` (`#`) receives every event."""
    return sorted(model.event_type for model in handlers)


class InvalidPayload(Exception):
    """The payload does not fit the model bound to its type: dead-letter it at once."""


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
        event_token = context.event_id.set(str(envelope.id))
        request_token = context.request_id.set(envelope.requestid)
        try:
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
        bound = self.handlers.get(envelope.type) or self.handlers.get("#")
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
            await handler(session, event)
        return "ok"


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
