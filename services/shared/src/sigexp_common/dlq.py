"""Parked messages: what waits in a dead-letter queue, and sending it back to be processed.

`python -m <service> dlq` lists `<service>.dlq`; `dlq reprocesar ID ... | --todos` moves those
messages back to the service's own queue (never to the exchange: the other services already
had their copy). The consumer's inbox makes a message that had been applied after all count
once. Messages are read without acknowledging them; the ones not chosen go back to the DLQ, in
their order, when the channel closes.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage, AbstractQueue

MAX_PER_RUN = 10_000  # a run reads at most this many messages (they are held unacknowledged)
_DEATH_HEADERS = ("x-death", "x-delivery-count")


@dataclass(frozen=True)
class Aparcado:
    """A dead-lettered message, as an operator needs to see it."""

    message_id: str
    tipo: str
    veces: int  # how many times it was dead-lettered from its queue
    motivo: str  # RabbitMQ's reason: rejected (handler refused it) or delivery_limit
    cuerpo: str  # the start of the body


def queue_names(service: str, work_queue: str | None = None) -> tuple[str, str]:
    """(queue, its dead-letter queue): `<service>.events` or a work queue of its own."""
    if work_queue:
        return work_queue, f"{work_queue}.dlq"
    return f"{service}.events", f"{service}.dlq"


async def listar(url: str, dlq: str, limite: int = 100) -> tuple[list[Aparcado], int]:
    """The first `limite` parked messages and how many there are in all; nothing is removed."""
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(dlq, passive=True)
        total = int(queue.declaration_result.message_count or 0)
        seen = [_aparcado(message) for message in await _take(queue, min(limite, total))]
    return seen, total


async def reprocesar(url: str, dlq: str, destino: str, ids: Collection[str] | None) -> int:
    """Move the parked messages of `ids` (all of them when None) from `dlq` back to `destino`.

    Each is published with a broker confirm before it is acknowledged in the DLQ, so a crash
    in between leaves a copy in both places (the inbox applies it once), never in neither."""
    wanted = None if ids is None else set(ids)
    moved = 0
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        queue = await channel.declare_queue(dlq, passive=True)
        await channel.declare_queue(destino, passive=True)  # refuse a queue that is not there
        total = int(queue.declaration_result.message_count or 0)
        for message in await _take(queue, min(total, MAX_PER_RUN)):
            if wanted is not None and str(message.message_id) not in wanted:
                continue
            await channel.default_exchange.publish(_revived(message), routing_key=destino)
            await message.ack()
            moved += 1
    return moved


async def _take(queue: AbstractQueue, count: int) -> list[AbstractIncomingMessage]:
    taken: list[AbstractIncomingMessage] = []
    while len(taken) < count:
        message = await queue.get(no_ack=False, fail=False)
        if message is None:
            break
        taken.append(message)
    return taken


def _revived(message: AbstractIncomingMessage) -> aio_pika.Message:
    headers = {k: v for k, v in (message.headers or {}).items() if not _is_death(k)}
    return aio_pika.Message(
        message.body,
        headers=headers,
        content_type=message.content_type,
        content_encoding=message.content_encoding,
        message_id=message.message_id,
        type=message.type,
        timestamp=message.timestamp,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
    )


def _is_death(header: str) -> bool:
    return header in _DEATH_HEADERS or header.startswith(("x-first-death", "x-last-death"))


def _aparcado(message: AbstractIncomingMessage) -> Aparcado:
    deaths: Any = (message.headers or {}).get("x-death") or []
    first = deaths[0] if isinstance(deaths, list) and deaths else {}
    veces = int(first.get("count", 1)) if isinstance(first, dict) else 1
    motivo = _text(first.get("reason", "")) if isinstance(first, dict) else ""
    body = message.body.decode("utf-8", errors="replace")
    return Aparcado(
        message_id=str(message.message_id or ""),
        tipo=message.type or _type_in(body),
        veces=veces,
        motivo=motivo,
        cuerpo=body[:200],
    )


def _text(value: object) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _type_in(body: str) -> str:
    try:
        parsed = json.loads(body)
    except ValueError:
        return "(no es JSON)"
    return str(parsed.get("type", "")) if isinstance(parsed, dict) else "(no es un CloudEvent)"
