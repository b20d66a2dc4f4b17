"""The five faults, each one injected and then undone as an operator or a supervisor would
(a process killed with SIGKILL is started again at once; a server restarted comes back)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fallas_sistema import Sistema


@dataclass(frozen=True)
class Falla:
    nombre: str
    provocar: Callable[[Sistema], Awaitable[None]]


async def reiniciar_rabbitmq(sistema: Sistema) -> None:
    await asyncio.to_thread(sistema.broker.stop)
    await asyncio.to_thread(sistema.broker.start)


async def matar_relay(sistema: Sistema) -> None:
    """pases' relay: the custody and pase events of every envío and reception leave by it."""
    sistema.kill9("pases-relay")
    sistema.launch("pases-relay")


async def matar_consumidor(sistema: Sistema) -> None:
    """expedientes' consumer: it applies custody, the timeline and the fojas of receptions."""
    sistema.kill9("expedientes-consume")
    sistema.launch("expedientes-consume")
    await sistema.wait_consuming("expedientes")


async def matar_http(sistema: Sistema) -> None:
    """pases' HTTP process, with requests in flight (the gateway answers 502 meanwhile)."""
    sistema.kill9("pases")
    sistema.launch("pases")
    await sistema.wait_http("pases")


async def reiniciar_postgres(sistema: Sistema) -> None:
    """An immediate stop (a crash: every connection cut, recovery from the WAL on start)."""
    await asyncio.to_thread(sistema.postgres.stop, "immediate")
    await asyncio.sleep(1.0)
    await asyncio.to_thread(sistema.postgres.start)


FALLAS = (
    Falla("reinicio-rabbitmq", reiniciar_rabbitmq),
    Falla("kill9-relay-pases", matar_relay),
    Falla("kill9-consumidor-expedientes", matar_consumidor),
    Falla("kill9-http-pases", matar_http),
    Falla("reinicio-postgresql", reiniciar_postgres),
)
