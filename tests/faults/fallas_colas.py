"""The broker side of a fault run: the poison message each run plants, and the dead-letter
queues read after recovery (emptied before the next run)."""

from __future__ import annotations

import uuid

import aio_pika

from sigexp_common import dlq
from sigexp_common.envelope import Envelope

EXCHANGE = "sigexp.events"
TIPO_VENENO = "sigexp.pase.enviado.v1"
DESTINO_VENENO = "expedientes"  # its PaseEnviado model refuses the payload: dead-lettered


async def plantar_veneno(amqp_url: str) -> str:
    """A CloudEvent of a type expedientes consumes whose payload cannot fit its model (no
    pase, no expediente): redelivering cannot help, it must land in `expedientes.dlq`. auditoria
    keeps every event of the bus as it came, so it stores this one too."""
    envelope = Envelope(
        source="/sigexp/pruebas-de-fallas",
        type=TIPO_VENENO,
        subject=str(uuid.uuid4()),
        sequence=1,
        data={"pase_id": "esto no es un uuid", "veneno": True},
    )
    connection = await aio_pika.connect(amqp_url, timeout=10)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(EXCHANGE)
        await exchange.publish(
            aio_pika.Message(
                envelope.to_bytes(),
                message_id=str(envelope.id),
                type=TIPO_VENENO,
                content_type="application/json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            ),
            routing_key=TIPO_VENENO,
        )
    return str(envelope.id)


async def aparcados(amqp_url: str, servicios: tuple[str, ...]) -> dict[str, list[str]]:
    """The message ids waiting in each service's dead-letter queue."""
    vistos: dict[str, list[str]] = {}
    for servicio in servicios:
        _, muerta = dlq.queue_names(servicio)
        try:
            items, total = await dlq.listar(amqp_url, muerta, limite=1000)
        except aio_pika.exceptions.ChannelClosed:  # never declared: nothing parked
            items, total = [], 0
        ids = [item.message_id for item in items]
        vistos[servicio] = ids + ["?"] * (total - len(ids))
    return vistos


async def vaciar(amqp_url: str, servicios: tuple[str, ...]) -> None:
    connection = await aio_pika.connect(amqp_url, timeout=10)
    async with connection:
        for servicio in servicios:
            channel = await connection.channel()
            try:
                queue = await channel.declare_queue(dlq.queue_names(servicio)[1], passive=True)
                await queue.purge()
            except aio_pika.exceptions.ChannelClosed:
                pass
