"""auth's catalogue as a service's copy learns it: the events, published on a test's vhost."""

from __future__ import annotations

import asyncpg

from sigexp_common.broker import Broker
from sigexp_common.envelope import Envelope
from sigexp_testing.waiting import wait_until


async def anunciar_tipo(
    amqp_url: str, dsn: str, codigo: str = "GENERAL", nombre: str = "General"
) -> None:
    """Publish `sigexp.tipo.actualizado.v1` for `codigo` as auth would, and wait until the
    service whose database is `dsn` (asyncpg form) holds it in its `tipos` copy."""
    evento = Envelope(
        source="/sigexp/auth",
        type="sigexp.tipo.actualizado.v1",
        subject=codigo,
        sequence=1,
        data={"codigo": codigo, "nombre": nombre, "activo": True},
    )
    broker = Broker(amqp_url)
    await broker.connect()
    try:
        await broker.publish(evento.to_bytes(), evento.type, message_id=str(evento.id))
    finally:
        await broker.close()

    async def en_la_copia() -> bool:
        conexion = await asyncpg.connect(dsn)
        try:
            return bool(await conexion.fetchval("SELECT 1 FROM tipos WHERE codigo = $1", codigo))
        finally:
            await conexion.close()

    await wait_until(en_la_copia, timeout=30)
