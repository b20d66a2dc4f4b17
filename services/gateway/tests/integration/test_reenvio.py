"""What the gateway does to a request on its way to a service and to the answer on its way back,
over real sockets, with a stand-in service."""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from sigexp_testing.tokens import TokenFactory

from .servidores import gateway_ante

MB = 1024 * 1024
BLOQUES = 64  # 64 MB each way, in 1 MB blocks
BLOQUE = bytes(range(256)) * (MB // 256)
# An upload route (the gateway's largest body class): other routes take 1 MiB at most.
CARGA = "/api/v1/expedientes/0190b4c2-0000-7000-8000-000000000001/archivos"


@dataclass
class Servicio:
    """A stand-in service that remembers what reached it."""

    recibidos: int = 0
    mitad_recibida: asyncio.Event = field(default_factory=asyncio.Event)
    cliente_tiene_mitad: asyncio.Event = field(default_factory=asyncio.Event)
    espero_al_cliente: bool = False

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post(CARGA)
        async def carga(request: Request) -> dict[str, object]:
            digest = hashlib.sha256()
            async for chunk in request.stream():
                digest.update(chunk)
                self.recibidos += len(chunk)
                if self.recibidos >= BLOQUES // 4 * MB:
                    self.mitad_recibida.set()
            return {"bytes": self.recibidos, "sha256": digest.hexdigest()}

        @app.get("/api/v1/archivos/descarga")
        async def descarga() -> StreamingResponse:
            async def bloques() -> AsyncIterator[bytes]:
                for i in range(BLOQUES):
                    if i == BLOQUES // 2:
                        # Half sent: the rest only once the client holds a quarter, which it
                        # cannot if the gateway waits for the whole answer before passing it.
                        await asyncio.wait_for(self.cliente_tiene_mitad.wait(), timeout=10)
                        self.espero_al_cliente = True
                    yield BLOQUE

            return StreamingResponse(bloques(), media_type="application/pdf")

        @app.get("/api/v1/archivos/sin-fin")
        async def sin_fin() -> StreamingResponse:
            async def bloques() -> AsyncIterator[bytes]:
                while True:  # like a real one, it waits on its source now and then
                    await asyncio.sleep(0)
                    yield BLOQUE

            return StreamingResponse(bloques(), media_type="application/octet-stream")

        @app.get("/api/v1/auth/eco/{resto:path}")
        async def eco(request: Request) -> JSONResponse:
            answer = JSONResponse(
                {
                    "headers": request.headers.items(),
                    "raw_path": request.scope["raw_path"].decode(),
                    "query": request.scope["query_string"].decode(),
                },
                headers={"server": "servicio-de-prueba", "x-extra": "1", "keep-alive": "9"},
            )
            answer.set_cookie("a", "1")
            answer.set_cookie("b", "2")
            return answer

        @app.get("/api/v1/auth/redirige")
        async def redirige() -> Response:
            return Response(status_code=307, headers={"location": "http://127.0.0.1:1/firmada"})

        @app.get("/api/v1/solicitudes-baja")
        @app.get("/api/v1/auth/lento")
        async def lento() -> dict[str, str]:
            await asyncio.sleep(1.5)
            return {"ok": "tarde"}

        @app.get("/api/v1/expedientes/{expediente_id}/detalle")
        async def expediente(expediente_id: uuid.UUID) -> dict[str, object]:
            return {"expediente": {"id": str(expediente_id)}, "anotaciones": [], "historial": []}

        @app.get("/api/v1/expedientes/{expediente_id}/pases")
        async def pases(expediente_id: uuid.UUID) -> dict[str, object]:
            await asyncio.sleep(1.5)
            return {"items": [], "tenencia": None}

        @app.get("/api/v1/expedientes/{expediente_id}/archivos")
        async def archivos(expediente_id: uuid.UUID) -> dict[str, object]:
            return {"items": [{"id": "un-archivo"}]}

        return app


def _auth(tokens: TokenFactory) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.token()}"}


async def test_una_carga_de_64_mb_llega_al_servicio_mientras_el_cliente_aun_envia(
    tokens: TokenFactory,
) -> None:
    servicio = Servicio()

    async def cuerpo() -> AsyncIterator[bytes]:
        for i in range(BLOQUES):
            if i == BLOQUES // 2:
                # Half sent: go on only once the service holds a quarter. A gateway that read
                # the whole upload before forwarding it would never let that happen.
                await asyncio.wait_for(servicio.mitad_recibida.wait(), timeout=10)
            yield BLOQUE

    async with gateway_ante(servicio.app(), tokens) as url, httpx.AsyncClient() as client:
        headers = {**_auth(tokens), "content-length": str(BLOQUES * MB)}
        r = await client.post(url + CARGA, content=cuerpo(), headers=headers)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "bytes": BLOQUES * MB,
        "sha256": hashlib.sha256(BLOQUE * BLOQUES).hexdigest(),
    }


async def test_una_carga_sin_largo_declarado_tambien_pasa_por_partes(
    tokens: TokenFactory,
) -> None:
    servicio = Servicio()

    async def cuerpo() -> AsyncIterator[bytes]:
        for i in range(BLOQUES // 2):
            if i == BLOQUES // 4:
                await asyncio.wait_for(servicio.mitad_recibida.wait(), timeout=10)
            yield BLOQUE

    async with gateway_ante(servicio.app(), tokens) as url, httpx.AsyncClient() as client:
        r = await client.post(url + CARGA, content=cuerpo(), headers=_auth(tokens))
    assert r.status_code == 200, r.text
    assert r.json()["bytes"] == BLOQUES // 2 * MB


async def test_una_descarga_de_64_mb_llega_al_cliente_mientras_el_servicio_aun_envia(
    tokens: TokenFactory,
) -> None:
    servicio = Servicio()
    digest, recibidos = hashlib.sha256(), 0
    async with (
        gateway_ante(servicio.app(), tokens) as url,
        httpx.AsyncClient() as client,
        client.stream("GET", url + "/api/v1/archivos/descarga", headers=_auth(tokens)) as r,
    ):
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/pdf"
        async for chunk in r.aiter_raw():
            digest.update(chunk)
            recibidos += len(chunk)
            if recibidos >= BLOQUES // 4 * MB:
                servicio.cliente_tiene_mitad.set()
    assert servicio.espero_al_cliente
    assert recibidos == BLOQUES * MB
    assert digest.hexdigest() == hashlib.sha256(BLOQUE * BLOQUES).hexdigest()


async def test_un_cliente_que_abandona_una_descarga_no_deja_la_conexion_en_el_pool(
    tokens: TokenFactory,
) -> None:
    async with gateway_ante(Servicio().app(), tokens) as url:
        for _ in range(3):
            async with (
                httpx.AsyncClient() as client,
                client.stream("GET", url + "/api/v1/archivos/sin-fin", headers=_auth(tokens)) as r,
            ):
                async for _chunk in r.aiter_raw():
                    break  # the client leaves with the service still sending
        async with httpx.AsyncClient() as client:
            despues = await client.get(url + "/api/v1/auth/eco/x", headers=_auth(tokens))
    assert despues.status_code == 200
    assert despues.json()["raw_path"] == "/api/v1/auth/eco/x"


async def test_un_servicio_que_no_contesta_a_tiempo_es_503_con_retry_after(
    tokens: TokenFactory,
) -> None:
    async with (
        gateway_ante(Servicio().app(), tokens, expedientes_read_timeout_seconds=0.3) as url,
        httpx.AsyncClient() as client,
    ):
        inicio = time.monotonic()
        cortado = await client.get(url + "/api/v1/solicitudes-baja", headers=_auth(tokens))
        demora = time.monotonic() - inicio
        # The other services keep the default: the same slowness at auth is answered.
        paciente = await client.get(url + "/api/v1/auth/lento", headers=_auth(tokens))
    assert cortado.status_code == 503
    assert cortado.headers["content-type"] == "application/problem+json"
    assert cortado.headers["retry-after"] == "5"
    assert "expedientes no responde" in cortado.json()["detail"]
    assert demora < 1.2
    assert paciente.status_code == 200
    assert paciente.json() == {"ok": "tarde"}


async def test_el_detalle_compuesto_nombra_la_parte_que_no_contesto_a_tiempo(
    tokens: TokenFactory,
) -> None:
    expediente_id = uuid.uuid4()
    async with (
        gateway_ante(Servicio().app(), tokens) as url,  # pases is later than its 300 ms
        httpx.AsyncClient() as client,
    ):
        r = await client.get(url + f"/api/v1/expedientes/{expediente_id}", headers=_auth(tokens))
    assert r.status_code == 200, r.text
    detalle = r.json()
    assert detalle["expediente"] == {"id": str(expediente_id)}
    assert detalle["archivos"] == [{"id": "un-archivo"}]
    assert detalle["anotaciones"] == detalle["historial"] == detalle["pases"] == []
    assert detalle["tenencia"] is None
    assert detalle["incompletos"] == ["pases"]


async def test_el_servicio_recibe_la_direccion_y_el_pedido_del_gateway_sin_cabeceras_de_salto(
    tokens: TokenFactory,
) -> None:
    headers = {
        **_auth(tokens),
        "x-request-id": "pedido-de-prueba",
        "x-forwarded-for": "6.6.6.6",
        "x-sigexp-gateway": "el-secreto-que-adivina-el-cliente",
        "proxy-authorization": "Basic secreto",
        "te": "trailers",
        "connection": "keep-alive, x-solo-hasta-el-gateway",
        "x-solo-hasta-el-gateway": "1",
        "x-del-cliente": "si",
    }
    async with gateway_ante(Servicio().app(), tokens) as url, httpx.AsyncClient() as client:
        r = await client.get(url + "/api/v1/auth/eco/a%2Fb%20c?q=x%20y&q=z", headers=headers)
    assert r.status_code == 200, r.text
    recibido = r.json()
    llegaron = dict(recibido["headers"])
    assert llegaron["x-forwarded-for"] == "127.0.0.1"  # the gateway's view, not the client's
    assert llegaron["x-sigexp-gateway"] == "dev-insecure-gateway-secret"
    assert llegaron["x-request-id"] == "pedido-de-prueba"
    assert llegaron["x-del-cliente"] == "si"
    assert llegaron["authorization"] == headers["Authorization"]  # services verify again
    for salto in ("proxy-authorization", "te", "x-solo-hasta-el-gateway"):
        assert salto not in llegaron
    assert [k for k, _ in recibido["headers"]].count("x-forwarded-for") == 1
    assert [k for k, _ in recibido["headers"]].count("x-sigexp-gateway") == 1
    # The path and the query reach the service as the client wrote them.
    assert recibido["raw_path"] == "/api/v1/auth/eco/a%2Fb%20c"
    assert recibido["query"] == "q=x%20y&q=z"


async def test_la_respuesta_trae_las_cabeceras_del_servicio_sin_repetir_date_ni_server(
    tokens: TokenFactory,
) -> None:
    async with gateway_ante(Servicio().app(), tokens) as url, httpx.AsyncClient() as client:
        r = await client.get(
            url + "/api/v1/auth/eco/x", headers={**_auth(tokens), "x-request-id": "uno"}
        )
        redirigida = await client.get(url + "/api/v1/auth/redirige", headers=_auth(tokens))
    assert r.status_code == 200
    assert "server" not in r.headers  # neither the service's nor a banner of the gateway's
    assert len(r.headers.get_list("date")) == 1
    assert r.headers.get_list("x-request-id") == ["uno"]
    assert "keep-alive" not in r.headers
    assert r.headers["x-extra"] == "1"
    assert sorted(c.split(";")[0] for c in r.headers.get_list("set-cookie")) == ["a=1", "b=2"]
    # A redirect (a presigned download) is the client's to follow, not the gateway's.
    assert redirigida.status_code == 307
    assert redirigida.headers["location"] == "http://127.0.0.1:1/firmada"
