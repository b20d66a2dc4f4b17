"""RabbitMQ topology, confirmed publishing and robust connections (aio-pika).

Topology: a durable topic exchange (`sigexp.events`); one durable quorum queue per consuming
service (`<service>.events`) bound to the routing keys it reads, with a bounded redelivery
(`x-delivery-limit`) after which RabbitMQ dead-letters to `<service>.dlq` through `sigexp.dlx`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustChannel,
    AbstractRobustConnection,
)

log = logging.getLogger("sigexp.broker")

DLX = "sigexp.dlx"
CONTENT_TYPE = "application/cloudevents+json"


class BrokerNoDisponible(Exception):
    """The broker cannot be reached right now."""


class Broker:
    def __init__(self, url: str, exchange: str = "sigexp.events", prefetch: int = 32) -> None:
        self.url = url
        self.exchange_name = exchange
        self.prefetch = prefetch
        self._connection: AbstractRobustConnection | None = None
        self._publish_channel: AbstractRobustChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._connected = asyncio.Event()

    async def connect(self) -> None:
        """Connect once; afterwards aio-pika reconnects and restores topology by itself."""
        connection = await aio_pika.connect_robust(self.url, reconnect_interval=1.0)
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        assert isinstance(channel, AbstractRobustChannel)
        self._exchange = await channel.declare_exchange(
            self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
        )
        self._connection, self._publish_channel = connection, channel
        self._connected.set()

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

    async def wait_connected(self, timeout: float | None = None) -> None:
        await asyncio.wait_for(self._connected.wait(), timeout)

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
        """Publish persistently and wait for the broker's confirm; unroutable raises."""
        if self._exchange is None or not self.is_ready:
            raise BrokerNoDisponible("broker not connected")
        message = aio_pika.Message(
            body,
            message_id=message_id,
            content_type=CONTENT_TYPE,
            type=routing_key,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            headers=headers or {},
        )
        await self._exchange.publish(message, routing_key, mandatory=True, timeout=timeout)

    async def declare_consumer_queue(
        self,
        channel: aio_pika.abc.AbstractChannel,
        service: str,
        routing_keys: Sequence[str],
        delivery_limit: int,
    ) -> AbstractQueue:
        exchange = await channel.declare_exchange(
            self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
        )
        dlx = await channel.declare_exchange(DLX, aio_pika.ExchangeType.DIRECT, durable=True)
        dlq = await channel.declare_queue(
            f"{service}.dlq", durable=True, arguments={"x-queue-type": "quorum"}
        )
        await dlq.bind(dlx, routing_key=f"{service}.dlq")
        queue = await channel.declare_queue(
            f"{service}.events",
            durable=True,
            arguments={
                "x-queue-type": "quorum",
                "x-delivery-limit": delivery_limit,
                "x-dead-letter-exchange": DLX,
                "x-dead-letter-routing-key": f"{service}.dlq",
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
    ) -> None:
        """Declare this service's queue and start consuming with manual acknowledgements."""
        if self._connection is None:
            raise BrokerNoDisponible("broker not connected")
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=self.prefetch)
        queue = await self.declare_consumer_queue(channel, service, routing_keys, delivery_limit)
        await queue.consume(on_message)

    async def declare_topology(
        self, service: str, routing_keys: Sequence[str], delivery_limit: int = 5
    ) -> None:
        """Declare the service's queue, DLQ and bindings without consuming (idempotent)."""
        if self._connection is None:
            raise BrokerNoDisponible("broker not connected")
        channel = await self._connection.channel()
        try:
            await self.declare_consumer_queue(channel, service, routing_keys, delivery_limit)
        finally:
            await channel.close()

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
        self._connection = None
        self._connected.clear()
