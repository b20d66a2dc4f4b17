"""Helpers of the tests of the actions on an expediente: altas, custody as pases would move
it, and a listener of what this service publishes."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import aio_pika
import httpx
import pytest

from sigexp_common.broker import declare_events_exchange
from sigexp_testing.infra import TestInfra

CUSTODIA = "sigexp.custodia.actualizada.v1"
DATOS = {"extracto": "Licitación pública de obra vial", "tomos": 1, "fojas": 10}


class Acciones:
    """An alta, and custody changes published as pases would and consumed before returning."""

    def __init__(self, cliente: httpx.AsyncClient, eventos: Any) -> None:
        self.cliente = cliente
        self.eventos = eventos

    async def alta(self, mesa: Any, **extra: object) -> dict[str, Any]:
        r = await self.cliente.post(
            "/api/v1/expedientes", json={**DATOS, **extra}, headers=mesa.headers()
        )
        assert r.status_code == 201, r.text
        return r.json()

    async def custodia(
        self,
        expediente_id: str,
        mesa_id: uuid.UUID,
        mesas: list[uuid.UUID],
        version: int,
        *,
        permiso: str = "ESCRITURA",
        en_transito: bool = False,
        origen: uuid.UUID | None = None,
    ) -> None:
        datos = {
            "expediente_id": expediente_id,
            "mesa_id": str(mesa_id),
            "permiso": permiso,
            "en_transito": en_transito,
            "mesa_origen_id": str(origen) if origen else None,
            "mesas": [str(m) for m in mesas],
            "desde": datetime.now(UTC).isoformat(),
        }
        evento = await self.eventos.publicar(CUSTODIA, datos, expediente_id, version)
        await self.eventos.consumidos(evento)

    async def pasar(self, expediente_id: str, de: Any, a: Any, permiso: str = "ESCRITURA") -> None:
        """Custody as pases leaves it after a pase from `de` received by `a`."""
        await self.custodia(expediente_id, a.id, [de.id, a.id], 5, permiso=permiso, origen=de.id)

    async def editar(
        self, expediente_id: str, mesa: Any, perfil: str = "MESA_ENTRADA", **campos: object
    ) -> httpx.Response:
        return await self.cliente.patch(
            f"/api/v1/expedientes/{expediente_id}", json=campos, headers=mesa.headers(perfil)
        )


@pytest.fixture
def acciones(cliente: httpx.AsyncClient, eventos: Any) -> Acciones:
    return Acciones(cliente, eventos)


@pytest.fixture
async def escucha(infra: TestInfra) -> AsyncIterator[Callable[..., Any]]:
    """`async with escucha(*tipos) as recoger`: `await recoger(cuantos, cumple)` returns the
    first `cuantos` envelopes of those types published meanwhile that satisfy `cumple`."""
    conexiones: list[aio_pika.abc.AbstractRobustConnection] = []

    @contextlib.asynccontextmanager
    async def abrir(*tipos: str) -> AsyncIterator[Callable[..., Awaitable[list[dict[str, Any]]]]]:
        connection = await aio_pika.connect_robust(infra.amqp_url)
        conexiones.append(connection)
        channel = await connection.channel()
        exchange = await declare_events_exchange(connection, channel)
        queue = await channel.declare_queue(exclusive=True)
        for tipo in tipos:
            await queue.bind(exchange, tipo)

        async def recoger(
            cuantos: int, cumple: Callable[[dict[str, Any]], bool]
        ) -> list[dict[str, Any]]:
            vistos: list[dict[str, Any]] = []
            async with asyncio.timeout(15), queue.iterator() as messages:
                async for message in messages:
                    await message.ack()
                    evento = json.loads(message.body)
                    if cumple(evento):
                        vistos.append(evento)
                    if len(vistos) >= cuantos:
                        break
            return vistos

        yield recoger

    yield abrir
    for connection in conexiones:
        await connection.close()
