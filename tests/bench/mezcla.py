"""The mixed workload through the gateway (issue 18): 70% reads (a composed detail or a
listing page), 20% pases, 10% altas, as one desk's clerk and its counterpart at another desk.

An asyncio client, not wrk: a pase needs an expediente its desk holds, and each one moves it.
Every seeded expediente goes round a cycle of four pase operations (sent CAP→SGG, received at
SGG, sent back, received at CAP), each a "pase" request of the mix; an expediente is in one
operation at a time (a deque of them), so no answer is a 409 of the workload's own making.

Two ways to drive it, both bounded in time and only to 127.0.0.1:
- `cerrado(conexiones, segundos)`: N clients, each sends its next request when the last one
  answered (the concurrency sweep of `make bench`);
- `abierto(por_segundo, segundos)`: requests started at a steady rate whatever the answers
  take, at most `tope` in flight (`make soak`).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

PESOS = {"detalle": 0.45, "listado": 0.25, "pase": 0.20, "alta": 0.10}
ALTA = {"extracto": "Alta de la carga mixta del banco", "tomos": 1, "fojas": 3}
LISTADOS = ("/api/v1/expedientes?limit=20", "/api/v1/expedientes?estado=EN_TRAMITE&limit=20")


def percentil(valores: list[float], p: float) -> float | None:
    if not valores:
        return None
    orden = sorted(valores)
    return round(orden[min(len(orden) - 1, round(p / 100 * (len(orden) - 1)))], 2)


@dataclass
class Pedido:
    tipo: str
    inicio: float  # time.monotonic() when it was sent
    segundos: float
    estado: int  # HTTP status, 0 for a socket error or timeout


@dataclass
class Tenencia:
    """Where one expediente is in its cycle of pases."""

    id: str
    paso: int = 0  # 0 at CAP, 1 sent to SGG, 2 at SGG, 3 sent to CAP
    pase_id: str | None = None


@dataclass
class Mezcla:
    gateway: str
    tokens: tuple[str, str]  # the CAP clerk's and the SGG clerk's
    mesas: tuple[str, str]  # CAP's and SGG's desk ids
    ids: list[str]
    semilla: int = 18
    pedidos: list[Pedido] = field(default_factory=list)
    altas: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if urlsplit(self.gateway).hostname not in ("127.0.0.1", "localhost"):
            raise ValueError("la carga va solo a 127.0.0.1")
        self._azar = random.Random(self.semilla)
        self._ciclo: deque[Tenencia] = deque(Tenencia(i) for i in self.ids)
        self._tipos = list(PESOS)
        self._pesos = list(PESOS.values())

    def _headers(self, lado: int) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[lado]}"}

    async def _pase(self, client: httpx.AsyncClient) -> httpx.Response | None:
        if not self._ciclo:
            return None  # every expediente is in a pase operation right now
        t = self._ciclo.popleft()
        lado = 0 if t.paso in (0, 3) else 1  # who acts: the holder sends, the addressee receives
        # A step that fails or times out leaves the expediente out of the cycle: its state is
        # no longer known.
        if t.paso in (0, 2):
            datos = {
                "expediente_ids": [t.id],
                "mesa_destino_id": self.mesas[1 - lado],
                "permiso": "ESCRITURA",
                "fojas_agregadas": 0,
                "tomos_agregados": 0,
            }
            r = await client.post("/api/v1/pases", json=datos, headers=self._headers(lado))
            if r.status_code == 201:
                t.pase_id = str(r.json()["pases"][0]["id"])
        else:
            ruta = f"/api/v1/pases/{t.pase_id}/recepcion"
            r = await client.post(ruta, json={}, headers=self._headers(lado))
        if r.is_success:
            t.paso = (t.paso + 1) % 4
            self._ciclo.append(t)
        return r

    async def una(self, client: httpx.AsyncClient, debida: float | None = None) -> None:
        """One request of the mix; its latency runs from `debida` (when an open loop meant to
        send it) if given, else from now."""
        tipo = self._azar.choices(self._tipos, self._pesos)[0]
        inicio = time.monotonic() if debida is None else debida
        estado = 0
        try:
            r: httpx.Response | None = None
            if tipo == "pase":
                r = await self._pase(client)
                if r is None:
                    tipo = "detalle"
            if tipo == "detalle":
                ruta = f"/api/v1/expedientes/{self._azar.choice(self.ids)}"
                r = await client.get(ruta, headers=self._headers(0))
            elif tipo == "listado":
                r = await client.get(self._azar.choice(LISTADOS), headers=self._headers(0))
            elif tipo == "alta":
                r = await client.post("/api/v1/expedientes", json=ALTA, headers=self._headers(0))
                if r.status_code == 201:
                    self.altas.append(str(r.json()["id"]))
            assert r is not None
            estado = r.status_code
        except httpx.HTTPError:
            estado = 0
        except asyncio.CancelledError:  # given up at the end of an open loop: no answer
            self.pedidos.append(Pedido(tipo, inicio, time.monotonic() - inicio, 0))
            raise
        self.pedidos.append(Pedido(tipo, inicio, time.monotonic() - inicio, estado))

    def _cliente(self, conexiones: int) -> httpx.AsyncClient:
        limites = httpx.Limits(max_connections=conexiones, max_keepalive_connections=conexiones)
        return httpx.AsyncClient(base_url=self.gateway, timeout=30, limits=limites)

    async def cerrado(self, conexiones: int, segundos: float) -> list[Pedido]:
        """`conexiones` clients in a closed loop for `segundos`: the requests they sent."""
        desde = len(self.pedidos)
        fin = time.monotonic() + segundos
        async with self._cliente(conexiones) as client:

            async def bucle() -> None:
                while time.monotonic() < fin:
                    await self.una(client)

            await asyncio.gather(*(bucle() for _ in range(conexiones)))
        return self.pedidos[desde:]

    async def abierto(
        self, por_segundo: float, segundos: float, tope: int = 128, cada: Any = None
    ) -> list[Pedido]:
        """Requests started at `por_segundo` for `segundos` (at most `tope` in flight; a
        request that would exceed it waits, and its latency counts the wait). `cada(pasados)`
        is called about once a second."""
        desde = len(self.pedidos)
        limite = asyncio.Semaphore(tope)
        tareas: set[asyncio.Task[None]] = set()
        async with self._cliente(tope) as client:

            async def con_tope(debida: float) -> None:
                async with limite:  # the latency a user saw: from when it was due
                    await self.una(client, debida)

            inicio = time.monotonic()
            total = int(por_segundo * segundos)
            ultimo_aviso = inicio
            for i in range(total):
                debida = inicio + i / por_segundo
                espera = debida - time.monotonic()
                if espera > 0:
                    await asyncio.sleep(espera)
                tarea = asyncio.create_task(con_tope(debida))
                tareas.add(tarea)
                tarea.add_done_callback(tareas.discard)
                if cada is not None and time.monotonic() - ultimo_aviso >= 1:
                    ultimo_aviso = time.monotonic()
                    cada(ultimo_aviso - inicio)
            if tareas:  # the last answers, then what is still unanswered is given up
                _, pendientes = await asyncio.wait(tareas, timeout=60)
                for tarea in pendientes:
                    tarea.cancel()
                await asyncio.gather(*pendientes, return_exceptions=True)
        return self.pedidos[desde:]


def resumen(pedidos: list[Pedido], segundos: float) -> dict[str, Any]:
    """Requests/s of 2xx, p50/p99 over all and per type, status counts."""
    exitosos = [p for p in pedidos if 200 <= p.estado < 300]
    ms = [p.segundos * 1000 for p in exitosos]
    por_tipo = {}
    for tipo in PESOS:
        del_tipo = [p.segundos * 1000 for p in exitosos if p.tipo == tipo]
        por_tipo[tipo] = {
            "n": len(del_tipo),
            "p50_ms": percentil(del_tipo, 50),
            "p99_ms": percentil(del_tipo, 99),
        }
    return {
        "pedidos": len(pedidos),
        "exitosos": len(exitosos),
        "por_segundo": len(exitosos) / segundos if segundos else 0.0,
        "p50_ms": percentil(ms, 50),
        "p99_ms": percentil(ms, 99),
        "estados": dict(Counter(str(p.estado) for p in pedidos)),
        "tipos": dict(Counter(p.tipo for p in pedidos)),
        "por_tipo": por_tipo,
    }


async def preparar(gateway: str, usuarios: tuple[tuple[str, str], tuple[str, str]]) -> Any:
    """Both clerks' tokens and their desks' ids (from the catalogue)."""
    tokens = []
    mesas = []
    async with httpx.AsyncClient(base_url=gateway, timeout=30) as client:
        for usuario, password in usuarios:
            r = await client.post(
                "/api/v1/auth/login", json={"usuario": usuario, "password": password}
            )
            r.raise_for_status()
            token = str(r.json()["access_token"])
            tokens.append(token)
            r = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
            r.raise_for_status()
            mesas.append(str(r.json()["mesa_id"]))
    return (tokens[0], tokens[1]), (mesas[0], mesas[1])
