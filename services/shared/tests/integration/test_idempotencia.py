"""`Idempotency-Key` on any route of an `IdempotentRoute` router, over the real database: a
retry gets the first answer (also a streamed or file one), a 5xx frees the key, a duplicate
still running is 409, and the token is verified once per request."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Form, Response, UploadFile
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sigexp_common import audit
from sigexp_common.db import Session, make_sessionmaker
from sigexp_common.errors import SinPermiso, install_error_handlers
from sigexp_common.idempotency import MAX_STORED, IdempotentRoute
from sigexp_common.security import CurrentUser, JwksVerifier
from sigexp_testing.tokens import TokenFactory


class CountingVerifier(JwksVerifier):
    """The real verifier, counting how often a request makes it verify a token."""

    calls = 0

    async def verify(self, token: str) -> dict[str, Any]:
        CountingVerifier.calls += 1
        return await super().verify(token)


@pytest.fixture
async def app(engine: AsyncEngine, tokens: TokenFactory, tmp_path: Path) -> FastAPI:
    async with engine.begin() as conn:
        await conn.execute(text("DROP TABLE IF EXISTS hechos"))
        await conn.execute(text("CREATE TABLE hechos (que text NOT NULL)"))
        await conn.execute(text("TRUNCATE idempotency_keys"))
    router = APIRouter(route_class=IdempotentRoute)
    app = FastAPI()
    app.state.abierto = asyncio.Event()
    app.state.adentro = asyncio.Event()

    async def hecho(db: Any, que: str) -> int:
        await db.execute(text("INSERT INTO hechos VALUES (:q)"), {"q": que})
        return int(await db.scalar(text("SELECT count(*) FROM hechos WHERE que = :q"), {"q": que}))

    @router.post("/json", status_code=201)
    async def json_(body: dict[str, str], user: CurrentUser, db: Session) -> dict[str, Any]:
        return {"n": await hecho(db, "json"), "body": body}

    @router.post("/lento", status_code=201)
    async def lento(user: CurrentUser, db: Session) -> dict[str, int]:
        app.state.adentro.set()
        await app.state.abierto.wait()
        return {"n": await hecho(db, "lento")}

    @router.post("/falla")
    async def falla(user: CurrentUser, db: Session) -> Response:
        n = await hecho(db, "falla")
        return JSONResponse({"n": n}, status_code=503 if n == 1 else 200)

    @router.post("/negado")
    async def negado(user: CurrentUser, db: Session) -> None:
        await hecho(db, "negado")  # kept with the refusal's record, as a failed login's counter
        raise audit.denegar(SinPermiso("No."), user, "prueba.negar", "prueba", conservar=True)

    @router.post("/pdf")
    async def pdf(user: CurrentUser, db: Session, kb: int = 4) -> StreamingResponse:
        n = await hecho(db, "pdf")

        async def partes() -> AsyncIterator[bytes]:
            for _ in range(kb):
                yield f"%PDF remito {n} ".encode().ljust(1024, b".")

        return StreamingResponse(partes(), media_type="application/pdf")

    @router.post("/archivo")
    async def archivo(user: CurrentUser, db: Session) -> FileResponse:
        n = await hecho(db, "archivo")
        destino = tmp_path / f"remito-{n}.pdf"
        destino.write_bytes(f"%PDF remito {n}".encode())
        return FileResponse(destino, media_type="application/pdf")

    @router.post("/subida", status_code=201)
    async def subida(
        archivo: UploadFile, user: CurrentUser, db: Session, descripcion: str = Form("")
    ) -> dict[str, Any]:
        return {"n": await hecho(db, "subida"), "tamanio": len(await archivo.read())}

    app.include_router(router)
    install_error_handlers(app)
    app.state.sessions = make_sessionmaker(engine, "prueba")
    app.state.revocaciones = tokens.revocaciones()
    app.state.verifier = CountingVerifier(
        "http://auth.test/.well-known/jwks.json",
        tokens.issuer,
        tokens.audience,
        client=httpx.AsyncClient(
            transport=httpx.MockTransport(lambda _: httpx.Response(200, json=tokens.jwks()))
        ),
    )
    return app


@pytest.fixture
async def cliente(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://prueba") as client:
        yield client


@pytest.fixture
def cabeceras(tokens: TokenFactory) -> dict[str, str]:
    token = tokens.token(usuario_id=uuid.uuid4())
    return {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}


async def _hechos(engine: AsyncEngine, que: str) -> int:
    async with engine.connect() as conn:
        n = await conn.scalar(text("SELECT count(*) FROM hechos WHERE que = :q"), {"q": que})
        return int(n or 0)


async def test_el_reintento_repite_la_respuesta_y_verifica_el_token_una_vez_por_pedido(
    cliente: httpx.AsyncClient, cabeceras: dict[str, str], engine: AsyncEngine
) -> None:
    CountingVerifier.calls = 0
    primera = await cliente.post("/json", json={"a": "b"}, headers=cabeceras)
    segunda = await cliente.post("/json", json={"a": "b"}, headers=cabeceras)
    assert (primera.status_code, segunda.status_code) == (201, 201)
    assert segunda.json() == primera.json() == {"n": 1, "body": {"a": "b"}}
    assert segunda.headers["idempotent-replayed"] == "true"
    assert await _hechos(engine, "json") == 1
    assert CountingVerifier.calls == 2  # one per request, not three


async def test_la_misma_clave_con_otro_cuerpo_es_422_y_no_actua(
    cliente: httpx.AsyncClient, cabeceras: dict[str, str], engine: AsyncEngine
) -> None:
    await cliente.post("/json", json={"a": "b"}, headers=cabeceras)
    otra = await cliente.post("/json", json={"a": "c"}, headers=cabeceras)
    assert otra.status_code == 422
    assert "ya se usó con otra solicitud" in otra.json()["detail"]
    assert await _hechos(engine, "json") == 1


async def test_un_duplicado_mientras_el_primero_sigue_es_409_y_despues_repite(
    app: FastAPI, cliente: httpx.AsyncClient, cabeceras: dict[str, str], engine: AsyncEngine
) -> None:
    primero = asyncio.create_task(cliente.post("/lento", headers=cabeceras))
    await asyncio.wait_for(app.state.adentro.wait(), 10)
    duplicado = await cliente.post("/lento", headers=cabeceras)
    assert duplicado.status_code == 409
    assert duplicado.headers["retry-after"] == "1"
    assert "ya se está procesando" in duplicado.json()["detail"]
    app.state.abierto.set()
    assert (await primero).status_code == 201
    repetido = await cliente.post("/lento", headers=cabeceras)
    assert repetido.json() == (await primero).json()
    assert repetido.headers["idempotent-replayed"] == "true"
    assert await _hechos(engine, "lento") == 1


async def test_un_5xx_libera_la_clave_y_el_reintento_se_ejecuta_de_nuevo(
    cliente: httpx.AsyncClient, cabeceras: dict[str, str]
) -> None:
    primera = await cliente.post("/falla", headers=cabeceras)
    assert primera.status_code == 503
    reintento = await cliente.post("/falla", headers=cabeceras)
    assert (reintento.status_code, reintento.json()) == (200, {"n": 2})
    otra_vez = await cliente.post("/falla", headers=cabeceras)
    assert otra_vez.json() == {"n": 2}
    assert otra_vez.headers["idempotent-replayed"] == "true"


async def test_una_negativa_registrada_se_confirma_sin_gastar_la_clave(
    cliente: httpx.AsyncClient, cabeceras: dict[str, str], engine: AsyncEngine
) -> None:
    primera = await cliente.post("/negado", headers=cabeceras)
    segunda = await cliente.post("/negado", headers=cabeceras)
    assert (primera.status_code, segunda.status_code) == (403, 403)
    assert "idempotent-replayed" not in segunda.headers  # ran again, not stuck "in progress"
    assert await _hechos(engine, "negado") == 2
    async with engine.connect() as conn:
        registros = await conn.scalar(
            text("SELECT count(*) FROM outbox WHERE type = 'sigexp.acceso.registrado.v1'")
        )
    assert registros == 2  # both refusals were recorded


async def test_una_respuesta_en_flujo_se_guarda_y_el_reintento_la_recibe_entera(
    cliente: httpx.AsyncClient, cabeceras: dict[str, str], engine: AsyncEngine
) -> None:
    primera = await cliente.post("/pdf", headers=cabeceras)
    segunda = await cliente.post("/pdf", headers=cabeceras)
    assert primera.status_code == segunda.status_code == 200
    assert len(primera.content) == 4 * 1024
    assert segunda.content == primera.content
    assert segunda.headers["content-type"] == "application/pdf"
    assert segunda.headers["idempotent-replayed"] == "true"
    assert await _hechos(engine, "pdf") == 1


async def test_un_flujo_mas_grande_que_el_limite_se_envia_entero_y_libera_la_clave(
    cliente: httpx.AsyncClient, cabeceras: dict[str, str], engine: AsyncEngine
) -> None:
    kb = MAX_STORED // 1024 + 8
    primera = await cliente.post("/pdf", params={"kb": kb}, headers=cabeceras)
    assert (primera.status_code, len(primera.content)) == (200, kb * 1024)
    segunda = await cliente.post("/pdf", params={"kb": kb}, headers=cabeceras)
    assert "idempotent-replayed" not in segunda.headers
    assert segunda.content.startswith(b"%PDF remito 2")  # ran again: nothing was stuck
    assert await _hechos(engine, "pdf") == 2


async def test_un_archivo_devuelto_se_guarda_y_el_reintento_lo_recibe(
    cliente: httpx.AsyncClient, cabeceras: dict[str, str], engine: AsyncEngine
) -> None:
    primera = await cliente.post("/archivo", headers=cabeceras)
    segunda = await cliente.post("/archivo", headers=cabeceras)
    assert primera.content == segunda.content == b"%PDF remito 1"
    assert segunda.headers["idempotent-replayed"] == "true"
    assert await _hechos(engine, "archivo") == 1


async def test_un_formulario_reenviado_con_otro_boundary_es_el_mismo_pedido(
    cliente: httpx.AsyncClient, cabeceras: dict[str, str], engine: AsyncEngine
) -> None:
    # httpx picks a new multipart boundary for each request: the raw bodies differ.
    datos = {"files": {"archivo": ("a.pdf", b"%PDF contenido")}, "data": {"descripcion": "x"}}
    primera = await cliente.post("/subida", headers=cabeceras, **datos)  # type: ignore[arg-type]
    segunda = await cliente.post("/subida", headers=cabeceras, **datos)  # type: ignore[arg-type]
    assert (primera.status_code, segunda.status_code) == (201, 201)
    assert segunda.headers["idempotent-replayed"] == "true"
    otro = {"files": {"archivo": ("a.pdf", b"%PDF otro")}, "data": {"descripcion": "x"}}
    distinta = await cliente.post("/subida", headers=cabeceras, **otro)  # type: ignore[arg-type]
    assert distinta.status_code == 422
    assert await _hechos(engine, "subida") == 1
