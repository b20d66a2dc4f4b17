"""RabbitMQ's HTTP management API: a user, a queue and permissions per subscriber.

A subscriber's user may only read its own queue: configure and write match nothing (`^$`
matches only the empty name, which no resource has; the default exchange is checked as
`amq.default`), read matches its queue alone, and its topic permissions on both exchanges
match nothing. So it cannot publish, declare, bind, or read another queue or the internal
exchange. Revoking deletes the user and closes its connections at once.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import httpx

from sigexp_common.errors import NoDisponible

NADA = "^$"


def vhost_de(amqp_url: str) -> str:
    path = urlsplit(amqp_url).path
    return unquote(path[1:]) if len(path) > 1 else "/"


class AdministradorBroker:
    def __init__(
        self,
        api_url: str,
        usuario: str,
        password: str,
        vhost: str,
        exchanges_protegidos: tuple[str, ...],
    ) -> None:
        self._cliente = httpx.AsyncClient(
            base_url=api_url.rstrip("/") + "/api", auth=(usuario, password), timeout=15
        )
        self.vhost = vhost
        self._v = quote(vhost, safe="")
        self.exchanges_protegidos = exchanges_protegidos

    async def __aenter__(self) -> AdministradorBroker:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._cliente.aclose()

    async def _pedir(self, metodo: str, ruta: str, json: Any = None) -> httpx.Response:
        try:
            respuesta = await self._cliente.request(metodo, ruta, json=json)
        except httpx.HTTPError as exc:
            raise NoDisponible("No se pudo contactar la administración del broker.") from exc
        if respuesta.status_code >= 400 and not (
            metodo == "DELETE" and respuesta.status_code == 404
        ):
            raise NoDisponible(
                f"La administración del broker rechazó la operación ({respuesta.status_code})."
            )
        return respuesta

    async def crear_cola(
        self, cola: str, directo: str, publico: str, claves: list[str] | None
    ) -> None:
        """The queue (quorum), bound to the direct exchange by its name and, when given, to
        the public exchange by `claves` (the broker fans events out to it by itself)."""
        for exchange, tipo in ((publico, "topic"), (directo, "direct")):
            await self._pedir(
                "PUT",
                f"/exchanges/{self._v}/{quote(exchange, safe='')}",
                {"type": tipo, "durable": True},
            )
        q = quote(cola, safe="")
        await self._pedir(
            "PUT",
            f"/queues/{self._v}/{q}",
            {"durable": True, "arguments": {"x-queue-type": "quorum"}},
        )
        await self._pedir(
            "POST", f"/bindings/{self._v}/e/{quote(directo, safe='')}/q/{q}", {"routing_key": cola}
        )
        for clave in claves or []:
            await self._pedir(
                "POST",
                f"/bindings/{self._v}/e/{quote(publico, safe='')}/q/{q}",
                {"routing_key": clave},
            )

    async def crear_usuario(self, usuario: str, password: str, cola: str) -> None:
        u = quote(usuario, safe="")
        await self._pedir("PUT", f"/users/{u}", {"password": password, "tags": ""})
        await self._pedir(
            "PUT",
            f"/permissions/{self._v}/{u}",
            {"configure": NADA, "write": NADA, "read": f"^{re.escape(cola)}$"},
        )
        for exchange in self.exchanges_protegidos:
            await self._pedir(
                "PUT",
                f"/topic-permissions/{self._v}/{u}",
                {"exchange": exchange, "write": NADA, "read": NADA},
            )

    async def cambiar_password(self, usuario: str, password: str) -> None:
        await self._pedir(
            "PUT", f"/users/{quote(usuario, safe='')}", {"password": password, "tags": ""}
        )
        await self.cerrar_conexiones(usuario)

    async def cerrar_conexiones(self, usuario: str) -> None:
        respuesta = await self._pedir("GET", f"/vhosts/{self._v}/connections")
        for conexion in respuesta.json():
            if conexion.get("user") == usuario:
                await self._pedir("DELETE", f"/connections/{quote(conexion['name'], safe='')}")

    async def revocar(self, usuario: str, cola: str) -> None:
        await self._pedir("DELETE", f"/users/{quote(usuario, safe='')}")
        await self.cerrar_conexiones(usuario)
        await self._pedir("DELETE", f"/queues/{self._v}/{quote(cola, safe='')}")

    async def profundidad(self, cola: str) -> int | None:
        """Messages waiting in the queue (None when the broker cannot say)."""
        try:
            respuesta = await self._cliente.get(f"/queues/{self._v}/{quote(cola, safe='')}")
        except httpx.HTTPError:
            return None
        if respuesta.status_code != 200:
            return None
        return int(respuesta.json().get("messages", 0) or 0)
