"""RabbitMQ topology, confirmed publishing and robust connections (aio-pika).

Topology: a durable topic exchange (`sigexp.events`); one durable quorum queue per consuming
service (`<service>.events`) bound to the routing keys it reads, with a bounded redelivery
(`x-delivery-limit`) after which RabbitMQ dead-letters to `<service>.dlq` through `sigexp.dlx`.

An event no queue binds is parked in the queue `sigexp.unrouted` (visible, nothing stalls): on a
broker where `sigexp.events` is created by this code, through its alternate exchange; on one
where it already existed without that argument (it cannot be changed without deleting the
exchange and every binding), the publisher parks the message the broker returns as unroutable.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractConnection,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustChannel,
    AbstractRobustConnection,
)
from aiormq.exceptions import (
    AMQPConnectionError,
    ChannelClosed,
    ChannelInvalidStateError,
    ChannelPreconditionFailed,
    PublishError,
)

from sigexp_common.delivery import DestinationDown
from sigexp_common.stopping import CLOSE_SECONDS, bounded

log = logging.getLogger("sigexp.broker")

DLX = "sigexp.dlx"
UNROUTED = "sigexp.unrouted"  # alternate exchange (fanout) and its parking queue
CONTENT_TYPE = "application/cloudevents+json"


class BrokerUnavailable(DestinationDown):
    """The broker cannot be reached right now (no fault of the message being published)."""


async def declare_events_exchange(
    connection: AbstractConnection, channel: AbstractChannel, name: str = "sigexp.events"
) -> AbstractExchange:
    """Declare the events exchange on `channel` with the arguments it has or will have. Every
    declarer must use this: declaring with other arguments than the existing ones fails."""
    arguments = await _events_exchange_arguments(connection, name)
    return await channel.declare_exchange(
        name, aio_pika.ExchangeType.TOPIC, durable=True, arguments=arguments
    )


async def _events_exchange_arguments(connection: AbstractConnection, name: str) -> dict[str, Any]:
    """A fresh broker gets the exchange with `alternate-exchange` = `sigexp.unrouted`. One that
    exists without it answers PRECONDITION_FAILED (which closes the channel, hence a channel of
    its own for the probe) and keeps its arguments."""
    probe = await connection.channel()
    try:
        await _declare_parking(probe)
        await probe.declare_exchange(
            name, aio_pika.ExchangeType.TOPIC, durable=True, arguments=_WITH_PARKING
        )
        return _WITH_PARKING
    except ChannelPreconditionFailed:
        return {}
    finally:
        if not probe.is_closed:
            await probe.close()


_WITH_PARKING: dict[str, Any] = {"alternate-exchange": UNROUTED}


async def _declare_parking(channel: AbstractChannel) -> AbstractExchange:
    parking = await channel.declare_exchange(UNROUTED, aio_pika.ExchangeType.FANOUT, durable=True)
    queue = await channel.declare_queue(
        UNROUTED, durable=True, arguments={"x-queue-type": "quorum"}
    )
    await queue.bind(parking)
    return parking


class Broker:
    def __init__(self, url: str, exchange: str = "sigexp.events", prefetch: int = 32) -> None:
        self.url = url
        self.exchange_name = exchange
        self.prefetch = prefetch
        self._connection: AbstractRobustConnection | None = None
        self._publish_channel: AbstractRobustChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._parking: AbstractExchange | None = None
        self.parks_itself = False  # the exchange has no alternate exchange: park returns here

    async def connect(self) -> None:
        """Connect once; afterwards aio-pika reconnects and restores topology by itself."""
        connection = await aio_pika.connect_robust(self.url, reconnect_interval=1.0)
        try:
            channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
            assert isinstance(channel, AbstractRobustChannel)
            arguments = await _events_exchange_arguments(connection, self.exchange_name)
            self._exchange = await channel.declare_exchange(
                self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True, arguments=arguments
            )
            self._parking = await _declare_parking(channel)
        except BaseException:
            # Cut short (a shutdown's cancel, a refused declaration): a robust connection left
            # open would go on reconnecting in the background of whoever gave up on it.
            await bounded(connection.close(), CLOSE_SECONDS, "broker: unfinished connection close")
            raise
        self.parks_itself = not arguments
        if self.parks_itself:
            log.warning(
                "%s has no alternate exchange; unroutable events are parked by the publisher",
                self.exchange_name,
            )
        self._connection, self._publish_channel = connection, channel

    async def connect_forever(self, retry_seconds: float = 1.0) -> None:
        """Keep trying until the broker answers (services start even with the broker down)."""
        while True:
            try:
                await self.connect()
                log.info("broker connected", extra={"exchange": self.exchange_name})
                return
            except (OSError, aio_pika.exceptions.AMQPError) as exc:
                log.warning("broker unreachable, retrying: %s", exc)
                await asyncio.sleep(retry_seconds)

    @property
    def is_ready(self) -> bool:
        return (
            self._connection is not None
            and not self._connection.is_closed
            and self._publish_channel is not None
            and not self._publish_channel.is_closed
        )

    async def publish(
        self,
        body: bytes,
        routing_key: str,
        message_id: str,
        headers: dict[str, Any] | None = None,
        timeout: float = 10.0,
    ) -> None:
        """Publish persistently and wait for the broker's confirm. An event no queue binds is
        parked in `sigexp.unrouted`; a nack or a timeout raises (the caller retries later)."""
        if self._exchange is None or self._parking is None or not self.is_ready:
            raise BrokerUnavailable("broker not connected")
        message = aio_pika.Message(
            body,
            message_id=message_id,
            content_type=CONTENT_TYPE,
            type=routing_key,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            headers=headers or {},
        )
        try:
            try:
                await self._exchange.publish(message, routing_key, mandatory=True, timeout=timeout)
            except PublishError:  # returned as unroutable: only without an alternate exchange
                log.warning("no queue binds %s: parked in %s", routing_key, UNROUTED)
                await self._parking.publish(message, routing_key, timeout=timeout)
        except (AMQPConnectionError, ChannelClosed, ChannelInvalidStateError) as exc:
            raise BrokerUnavailable(str(exc)) from exc

    async def declare_consumer_queue(
        self,
        channel: aio_pika.abc.AbstractChannel,
        service: str,
        routing_keys: Sequence[str],
        delivery_limit: int,
        queue_name: str | None = None,
    ) -> AbstractQueue:
        """`<service>.events` and its DLQ `<service>.dlq`; a process with a work queue of its
        own (archivos' digitisation workers) names it, `queue_name` and `<queue_name>.dlq`."""
        assert self._connection is not None
        name = queue_name or f"{service}.events"
        dead = f"{queue_name}.dlq" if queue_name else f"{service}.dlq"
        exchange = await declare_events_exchange(self._connection, channel, self.exchange_name)
        dlx = await channel.declare_exchange(DLX, aio_pika.ExchangeType.DIRECT, durable=True)
        dlq = await channel.declare_queue(dead, durable=True, arguments={"x-queue-type": "quorum"})
        await dlq.bind(dlx, routing_key=dead)
        queue = await channel.declare_queue(
            name,
            durable=True,
            arguments={
                "x-queue-type": "quorum",
                "x-delivery-limit": delivery_limit,
                "x-dead-letter-exchange": DLX,
                "x-dead-letter-routing-key": dead,
                "x-dead-letter-strategy": "at-least-once",
                "x-overflow": "reject-publish",
            },
        )
        for key in routing_keys:
            await queue.bind(exchange, routing_key=key)
        return queue

    async def consume(
        self,
        service: str,
        routing_keys: Sequence[str],
        on_message: Callable[[AbstractIncomingMessage], Awaitable[None]],
        delivery_limit: int = 5,
        queue_name: str | None = None,
    ) -> None:
        """Declare this service's queue and start consuming with manual acknowledgements."""
        if self._connection is None:
            raise BrokerUnavailable("broker not connected")
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=self.prefetch)
        queue = await self.declare_consumer_queue(
            channel, service, routing_keys, delivery_limit, queue_name
        )
        await queue.consume(on_message)

    async def declare_topology(
        self,
        service: str,
        routing_keys: Sequence[str],
        delivery_limit: int = 5,
        queue_name: str | None = None,
    ) -> None:
        """Declare the service's queue, DLQ and bindings without consuming (idempotent)."""
        if self._connection is None:
            raise BrokerUnavailable("broker not connected")
        channel = await self._connection.channel()
        try:
            await self.declare_consumer_queue(
                channel, service, routing_keys, delivery_limit, queue_name
            )
        finally:
            await channel.close()

    async def queue_depths(self, names: Sequence[str]) -> dict[str, tuple[int, int] | None]:
        """(messages ready, consumers) of each queue of `names`, by passive declares on one
        channel of their own (reopened after a missing queue, which closes it); None for a
        queue that does not exist, or for all of them when not connected."""
        found: dict[str, tuple[int, int] | None] = dict.fromkeys(names)
        if self._connection is None or self._connection.is_closed:
            return found
        channel = None
        try:
            for name in names:
                if channel is None or channel.is_closed:
                    channel = await self._connection.channel()
                try:
                    queue = await channel.declare_queue(name, passive=True)
                except aio_pika.exceptions.ChannelNotFoundEntity:
                    continue
                result = queue.declaration_result
                found[name] = (int(result.message_count or 0), int(result.consumer_count or 0))
        finally:
            if channel is not None and not channel.is_closed:
                with contextlib.suppress(aio_pika.exceptions.AMQPError, RuntimeError):
                    await channel.close()
        return found

    async def close(self) -> None:
        """Close the connection within `CLOSE_SECONDS` (a close that hangs is logged, left)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            await bounded(connection.close(), CLOSE_SECONDS, "broker: connection close")
