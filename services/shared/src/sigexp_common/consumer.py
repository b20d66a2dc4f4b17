"""Bus entrypoint: one transaction per message, inbox first, then the handler; ack after commit.

A handler that raises is nacked and redelivered; after the queue's delivery limit RabbitMQ
dead-letters the message to `<service>.dlq`. A body that is not a CloudEvent is dead-lettered
at once. Messages behind a poison one keep flowing: it is requeued behind them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

import asyncpg
from aio_pika.abc import AbstractIncomingMessage
from prometheus_client import Counter
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, InterfaceError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sigexp_common import context, inbox
from sigexp_common.db import transaction
from sigexp_common.envelope import Envelope
from sigexp_common.errors import sqlstate

log = logging.getLogger("sigexp.consumer")

Handler = Callable[[AsyncSession, Envelope], Awaitable[None]]

CONSUMED = Counter("sigexp_events_consumed_total", "Events consumed", ["type", "outcome"])


def routing_keys(handlers: Mapping[str, Handler]) -> list[str]:
    """Binding keys: the handled types; a handler under `#` receives every event."""
    return sorted(handlers)


class EventConsumer:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        handlers: Mapping[str, Handler],
        retry_seconds: float = 0.5,
        max_retry_seconds: float = 15.0,
    ) -> None:
        self.sessions = sessions
        self.handlers = dict(handlers)
        self.retry_seconds = retry_seconds
        self.max_retry_seconds = max_retry_seconds
        # One message at a time, in queue order: prefetch keeps the next ones close at hand,
        # but an event about an aggregate is never applied before an earlier one.
        self._in_order = asyncio.Lock()

    @property
    def routing_keys(self) -> list[str]:
        return routing_keys(self.handlers)

    async def on_message(self, message: AbstractIncomingMessage) -> None:
        async with self._in_order:
            await self._process(message)

    async def _process(self, message: AbstractIncomingMessage) -> None:
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
        so consumption pauses in order) and try again until the database answers. Only other
        errors count as redeliveries towards the dead-letter queue."""
        pause = self.retry_seconds
        while True:
            try:
                return await self.handle(envelope)
            except Exception as exc:
                if not is_transient(exc):
                    raise
                log.warning("database unavailable, retrying in %.1fs: %s", pause, exc)
                CONSUMED.labels(envelope.type, "reintento").inc()
                await asyncio.sleep(pause)
                pause = min(pause * 2, self.max_retry_seconds)

    async def handle(self, envelope: Envelope) -> str:
        """Apply the event once: the inbox row and the handler's effect commit together."""
        handler = self.handlers.get(envelope.type) or self.handlers.get("#")
        async with transaction(self.sessions) as session:
            if not await inbox.first_time(session, envelope):
                return "duplicado"
            if handler is not None:
                await handler(session, envelope)
        return "ok" if handler is not None else "ignorado"


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
