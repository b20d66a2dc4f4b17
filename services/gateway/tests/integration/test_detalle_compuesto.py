"""How long the composed detail waits for its secondary parts, and what becomes of a late one,
over real sockets, with a stand-in service whose parts answer after chosen delays."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field

import httpx
from fastapi import FastAPI, Request

from sigexp_testing.tokens import TokenFactory

from .servidores import gateway_ante

# The gateway's part budget is 300 ms: pases comes after it but before the main part,
# archivos after both.
DEMORA_EXPEDIENTE = 0.6
DEMORA_PASES = 0.45
DEMORA_ARCHIVOS = 1.2


@dataclass
class Servicio:
    """Every service at once; remembers from which client port each part was asked."""

    puertos: list[set[int]] = field(default_factory=lambda: [set()])
    archivos_contestados: asyncio.Event = field(default_factory=asyncio.Event)

    def _anotar(self, request: Request) -> None:
        assert request.client is not None
        self.puertos[-1].add(request.client.port)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/api/v1/expedientes/{expediente_id}/detalle")
        async def expediente(expediente_id: uuid.UUID, request: Request) -> dict[str, object]:
            self._anotar(request)
            await asyncio.sleep(DEMORA_EXPEDIENTE)
            return {"expediente": {"id": str(expediente_id)}, "anotaciones": [], "historial": []}

        @app.get("/api/v1/expedientes/{expediente_id}/pases")
        async def pases(request: Request) -> dict[str, object]:
            self._anotar(request)
            await asyncio.sleep(DEMORA_PASES)
            return {"items": [{"id": "un-pase"}], "tenencia": {"mesa_id": "una-mesa"}}

        @app.get("/api/v1/expedientes/{expediente_id}/archivos")
        async def archivos(request: Request) -> dict[str, object]:
            self._anotar(request)
            await asyncio.sleep(DEMORA_ARCHIVOS)
            self.archivos_contestados.set()
            return {"items": [{"id": "un-archivo"}]}

        return app


async def test_una_parte_mas_lenta_que_su_presupuesto_pero_no_que_el_expediente_se_incluye(
    tokens: TokenFactory,
) -> None:
    servicio = Servicio()
    auth = {"Authorization": f"Bearer {tokens.token()}"}
    async with gateway_ante(servicio.app(), tokens) as url, httpx.AsyncClient() as client:
        r = await client.get(url + f"/api/v1/expedientes/{uuid.uuid4()}", headers=auth)
    assert r.status_code == 200, r.text
    detalle = r.json()
    assert detalle["pases"] == [{"id": "un-pase"}]
    assert detalle["tenencia"] == {"mesa_id": "una-mesa"}
    assert detalle["archivos"] == []
    assert detalle["incompletos"] == ["archivos"]


async def test_la_parte_tardia_termina_y_su_conexion_sirve_al_detalle_siguiente(
    tokens: TokenFactory,
) -> None:
    servicio = Servicio()
    auth = {"Authorization": f"Bearer {tokens.token()}"}
    async with gateway_ante(servicio.app(), tokens) as url, httpx.AsyncClient() as client:
        primero = await client.get(url + f"/api/v1/expedientes/{uuid.uuid4()}", headers=auth)
        # archivos answers the gateway after the view was sent without it
        await asyncio.wait_for(servicio.archivos_contestados.wait(), timeout=10)
        await asyncio.sleep(0.2)  # the gateway reads that answer and pools its connection
        servicio.puertos.append(set())
        segundo = await client.get(url + f"/api/v1/expedientes/{uuid.uuid4()}", headers=auth)
    assert primero.json()["incompletos"] == segundo.json()["incompletos"] == ["archivos"]
    # the three parts of the second view went over the first view's connections: the late
    # part's was not closed under it
    assert len(servicio.puertos[0]) == 3
    assert servicio.puertos[1] <= servicio.puertos[0]
