"""The AMQP side of the public stream: `sigexp.publico` (topic) and the direct exchange that
reaches one subscriber's queue, with publisher confirms."""

from __future__ import annotations

import aio_pika
from aio_pika.abc import AbstractExchange, AbstractRobustChannel, AbstractRobustConnection

from sigexp_common.broker import CONTENT_TYPE, BrokerUnavailable


class Publicador:
    def __init__(self, url: str, publico: str, directo: str) -> None:
        self.url, self.publico_nombre, self.directo_nombre = url, publico, directo
        self._conexion: AbstractRobustConnection | None = None
        self._canal: AbstractRobustChannel | None = None
        self.publico: AbstractExchange | None = None
        self.directo: AbstractExchange | None = None

    @property
    def listo(self) -> bool:
        return (
            self._conexion is not None
            and not self._conexion.is_closed
            and self._canal is not None
            and not self._canal.is_closed
        )

    async def conectar(self) -> None:
        if self.listo:
            return
        if self._conexion is not None:
            await self._conexion.close()
        self._conexion = await aio_pika.connect_robust(self.url, reconnect_interval=1.0)
        canal = await self._conexion.channel(publisher_confirms=True, on_return_raises=True)
        assert isinstance(canal, AbstractRobustChannel)
        self._canal = canal
        self.publico = await canal.declare_exchange(
            self.publico_nombre, aio_pika.ExchangeType.TOPIC, durable=True
        )
        self.directo = await canal.declare_exchange(
            self.directo_nombre, aio_pika.ExchangeType.DIRECT, durable=True
        )

    async def publicar(
        self, cuerpo: bytes, clave: str, message_id: str, *, a_cola: str | None = None
    ) -> None:
        """On `sigexp.publico` with routing key `clave` (no queue binding it is fine: the
        archive keeps the event), or into the queue `a_cola` (which must exist)."""
        if not self.listo or self.publico is None or self.directo is None:
            raise BrokerUnavailable("broker not connected")
        mensaje = aio_pika.Message(
            cuerpo,
            message_id=message_id,
            content_type=CONTENT_TYPE,
            type=clave,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )
        if a_cola is None:
            await self.publico.publish(mensaje, clave, mandatory=False, timeout=10)
        else:
            await self.directo.publish(mensaje, a_cola, mandatory=True, timeout=10)

    async def cerrar(self) -> None:
        if self._conexion is not None:
            await self._conexion.close()
        self._conexion = None
