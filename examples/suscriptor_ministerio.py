"""A ministry's subscriber to SIGEXP's public events: it connects with the credentials ADMIN
got when registering the ministry, prints every event as it comes (one JSON line each) and
acknowledges it once printed, so an event it did not print is delivered again.

    pip install aio-pika      # the one dependency
    python examples/suscriptor_ministerio.py \\
        --url 'amqp://sigexp-suscriptor-<id>:<password>@sigexp.example:5672/sigexp' \\
        --cola publico.<id>

`--max N` stops after N events (for scripts and tests). Ctrl-C stops it; events not yet
acknowledged stay in the queue for the next start. Its user can read this queue and nothing
else: it cannot publish, declare, bind, or read another ministry's queue.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys

import aio_pika


def linea(cuerpo: bytes) -> str:
    """One line per event: its type, its expediente and the whole CloudEvent."""
    evento = json.loads(cuerpo)
    datos = evento.get("data", {})
    resumen = {
        "tipo": evento.get("type"),
        "id": evento.get("id"),
        "expediente_id": datos.get("expediente_id"),
        "referencia": datos.get("referencia"),
        "estado": datos.get("estado"),
        "evento": evento,
    }
    return json.dumps(resumen, ensure_ascii=False)


async def escuchar(url: str, cola: str, maximo: int | None) -> int:
    conexion = await aio_pika.connect_robust(url)
    recibidos = 0
    async with conexion:
        canal = await conexion.channel()
        await canal.set_qos(prefetch_count=20)
        # The queue exists already (made with the credentials); the user may not declare it.
        queue = await canal.get_queue(cola, ensure=False)
        print(f"escuchando {cola}", file=sys.stderr, flush=True)
        async with queue.iterator() as mensajes:
            async for mensaje in mensajes:
                print(linea(mensaje.body), flush=True)
                await mensaje.ack()
                recibidos += 1
                if maximo is not None and recibidos >= maximo:
                    break
    return recibidos


def main() -> None:
    parser = argparse.ArgumentParser(description="Suscriptor de eventos públicos de SIGEXP")
    parser.add_argument("--url", default=os.environ.get("SIGEXP_SUSCRIPTOR_URL"))
    parser.add_argument("--cola", default=os.environ.get("SIGEXP_SUSCRIPTOR_COLA"))
    parser.add_argument("--max", type=int, default=None, help="stop after this many events")
    args = parser.parse_args()
    if not args.url or not args.cola:
        parser.error("indique --url y --cola (o SIGEXP_SUSCRIPTOR_URL y SIGEXP_SUSCRIPTOR_COLA)")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(escuchar(args.url, args.cola, args.max))


if __name__ == "__main__":
    main()
