"""How many messages wait in auditoria's dead-letter queue, asked of the broker itself."""

from __future__ import annotations

import asyncio

import aio_pika
from aio_pika.exceptions import AMQPError, ChannelNotFoundEntity

COLA = "auditoria.dlq"


async def mensajes_en_descarte(amqp_url: str, timeout: float = 5.0) -> int:
    """Messages ready in `auditoria.dlq` (a passive declare: nothing is created or consumed).

    Raises `OSError`/`AMQPError`/`TimeoutError` when the broker cannot be asked."""
    async with asyncio.timeout(timeout):
        connection = await aio_pika.connect(amqp_url)
        async with connection:
            channel = await connection.channel()
            try:
                cola = await channel.declare_queue(COLA, passive=True)
            except ChannelNotFoundEntity:
                return 0  # never declared: nothing was ever dead-lettered
            return int(cola.declaration_result.message_count or 0)


ERRORES_DEL_BROKER = (OSError, AMQPError, TimeoutError)
