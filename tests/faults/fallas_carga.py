"""The load of a fault run: pases from one desk to another and their receptions, through the
gateway, as a clerk's client would send them.

Retry policy: a request that failed because of the fault (no connection, a cut answer, 502,
503, 504, or 409 with `Retry-After`: "ask again") is sent again with the same
`Idempotency-Key` until `PLAZO_REINTENTOS`; a 401 signs in again first. What counts as
committed is only what got a 2xx: a pase that committed but whose answer was lost is answered
again by the key (the same pase), and the checks compare the server's state with these sets.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

DEMO_PASSWORD = "Demo-Sigexp-2026"
PLAZO_REINTENTOS = 180.0  # seconds a request is retried (a restarted broker takes ~20 s here)
REINTENTABLES = {502, 503, 504}
FOJAS_INICIALES, FOJAS_AGREGADAS = 2, 1


def pases_por_corrida() -> int:
    """SIGEXP_FALLAS_PASES: pases (and receptions) per fault run; `make faults` sets 1000."""
    return int(os.environ.get("SIGEXP_FALLAS_PASES", "60"))


@dataclass
class Resultado:
    """What the client saw: the committed actions and every answer on the way."""

    expedientes: list[str] = field(default_factory=list)
    enviados: dict[str, str] = field(default_factory=dict)  # expediente id -> pase id (2xx)
    recibidos: set[str] = field(default_factory=set)  # pase ids whose reception got a 2xx
    respuestas: Counter[str] = field(default_factory=Counter)  # "201", "503", "conexion"...
    reintentos: int = 0
    fallidos: list[str] = field(default_factory=list)  # final answers that were not 2xx

    @property
    def intentados(self) -> int:
        return len(self.expedientes)


class Cliente:
    """A demo user signed in through the gateway; `escribir` applies the retry policy."""

    def __init__(self, http: httpx.AsyncClient, usuario: str, resultado: Resultado) -> None:
        self.http = http
        self.usuario = usuario
        self.resultado = resultado
        self.headers: dict[str, str] = {}
        self.mesa_id = ""

    async def entrar(self) -> None:
        limite = time.monotonic() + PLAZO_REINTENTOS
        while True:
            try:
                r = await self.http.post(
                    "/api/v1/auth/login", json={"usuario": self.usuario, "password": DEMO_PASSWORD}
                )
                if r.status_code == 200:
                    self.headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
                    break
                if r.status_code not in REINTENTABLES:
                    raise AssertionError(f"login de {self.usuario}: {r.status_code} {r.text}")
            except httpx.TransportError:
                pass
            if time.monotonic() > limite:
                raise AssertionError(f"login de {self.usuario}: sin respuesta")
            await asyncio.sleep(0.5)
        if not self.mesa_id:
            me = await self.http.get("/api/v1/auth/me", headers=self.headers)
            assert me.status_code == 200, me.text
            self.mesa_id = str(me.json()["mesa"]["id"])

    async def escribir(self, ruta: str, cuerpo: dict[str, Any]) -> httpx.Response | None:
        """POST `cuerpo`; its final answer, or None when it never got one in time."""
        clave = str(uuid.uuid4())
        limite = time.monotonic() + PLAZO_REINTENTOS
        pausa = 0.2
        while True:
            try:
                r = await self.http.post(
                    ruta, json=cuerpo, headers={**self.headers, "Idempotency-Key": clave}
                )
                self.resultado.respuestas[str(r.status_code)] += 1
                if r.status_code == 401:
                    await self.entrar()
                elif not (
                    r.status_code in REINTENTABLES
                    or (r.status_code == 409 and "retry-after" in r.headers)
                ):
                    return r
            except httpx.TransportError as exc:
                self.resultado.respuestas[type(exc).__name__] += 1
            if time.monotonic() > limite:
                return None
            self.resultado.reintentos += 1
            await asyncio.sleep(pausa)
            pausa = min(pausa * 2, 2.0)


async def altas(origen: Cliente, cantidad: int, etiqueta: str, concurrencia: int) -> list[str]:
    """`cantidad` expedientes started at the origin's desk (before the fault)."""
    hechos: list[str] = []

    async def una(i: int) -> None:
        cuerpo = {"extracto": f"Prueba de fallas {etiqueta} n.º {i}", "fojas": FOJAS_INICIALES}
        r = await origen.escribir("/api/v1/expedientes", cuerpo)
        assert r is not None, "alta sin respuesta en el plazo"
        assert r.status_code == 201, r.text
        hechos.append(str(r.json()["id"]))

    await _en_paralelo([lambda i=i: una(i) for i in range(cantidad)], concurrencia)
    return hechos


async def pases_y_recepciones(
    origen: Cliente,
    destino: Cliente,
    resultado: Resultado,
    concurrencia: int,
    al_comprometer: Callable[[int], None],
) -> None:
    """Each expediente sent from the origin's desk to the destination's and received there;
    `al_comprometer(n)` after every committed envío (the fault starts at a given count)."""

    async def uno(expediente_id: str) -> None:
        envio = await origen.escribir(
            "/api/v1/pases",
            {
                "expediente_ids": [expediente_id],
                "mesa_destino_id": destino.mesa_id,
                "permiso": "ESCRITURA",
                "fojas_agregadas": FOJAS_AGREGADAS,
                "tomos_agregados": 0,
                "observaciones": "Prueba de fallas",
            },
        )
        if envio is None or envio.status_code != 201:
            resultado.fallidos.append(f"envío de {expediente_id}: {_final(envio)}")
            return
        (pase,) = envio.json()["pases"]
        resultado.enviados[expediente_id] = str(pase["id"])
        al_comprometer(len(resultado.enviados))
        recepcion = await destino.escribir(f"/api/v1/pases/{pase['id']}/recepcion", {})
        if recepcion is None or recepcion.status_code != 200:
            resultado.fallidos.append(f"recepción de {pase['id']}: {_final(recepcion)}")
            return
        resultado.recibidos.add(str(pase["id"]))

    await _en_paralelo([lambda e=e: uno(e) for e in resultado.expedientes], concurrencia)


def _final(r: httpx.Response | None) -> str:
    return "sin respuesta en el plazo" if r is None else f"{r.status_code} {r.text[:300]}"


async def _en_paralelo(trabajos: list[Callable[[], Awaitable[None]]], concurrencia: int) -> None:
    pendientes = iter(trabajos)

    async def obrero() -> None:
        for trabajo in pendientes:
            await trabajo()

    await asyncio.gather(*(obrero() for _ in range(concurrencia)))
