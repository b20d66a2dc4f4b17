"""A consumer process of its own, for the test of two replicas on one queue.

`python consumidor_de_copias.py DATABASE_URL AMQP_URL SERVICIO`: consumes `EstadoCambiado`
into the versioned copy `copias` (through `projection.apply_if_newer`), records which process
applied each event in `aplicaciones`, and prints `listo` once it is consuming.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
from typing import ClassVar

from sqlalchemy import String, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from sigexp_common.broker import Broker
from sigexp_common.consumer import EventConsumer
from sigexp_common.db import make_engine, make_sessionmaker
from sigexp_common.envelope import Event
from sigexp_common.projection import VersionedCopy, apply_if_newer


class Base(DeclarativeBase):
    pass


class Copia(VersionedCopy, Base):
    __tablename__ = "copias"

    clave: Mapped[str] = mapped_column(String(50), primary_key=True)
    estado: Mapped[str] = mapped_column(String(50))


class EstadoCambiado(Event):
    event_type: ClassVar[str] = "sigexp.prueba.estado_cambiado.v1"
    clave: str
    estado: str


async def copiar(db: AsyncSession, evento: EstadoCambiado) -> None:
    await asyncio.sleep(random.uniform(0, 0.02))  # let deliveries overtake one another
    await db.execute(
        text("INSERT INTO aplicaciones (event_id, pid) VALUES (:id, :pid)"),
        {"id": evento.envelope.id, "pid": os.getpid()},
    )
    version = evento.envelope.sequence
    assert version is not None
    await apply_if_newer(db, Copia, {"clave": evento.clave}, version, {"estado": evento.estado})


async def main(database_url: str, amqp_url: str, servicio: str) -> None:
    engine = make_engine(database_url, pool_size=4)
    broker = Broker(amqp_url, prefetch=4)
    await broker.connect()
    consumer = EventConsumer(make_sessionmaker(engine, servicio), {EstadoCambiado: copiar})
    await broker.consume(servicio, consumer.routing_keys, consumer.on_message)
    print("listo", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
