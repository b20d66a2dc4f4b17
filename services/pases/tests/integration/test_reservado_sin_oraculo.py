"""A RESERVADO expediente out of the caller's scope cannot be told from an id that names
nothing: the route answers the same status and body as for a made-up id of the same age (409
while the id is young, 404 after), and does the same work (statements, one recorded refusal)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import event

from sigexp_common.broker import Broker
from sigexp_common.ids import uuid7
from sigexp_testing.tokens import TokenFactory

from .test_tenencia import _auth, _iniciado, _publicar, _recorrido_cuando_llegue


async def _reservado(
    cliente: httpx.AsyncClient, bus: Broker, tokens: TokenFactory, expediente_id: uuid.UUID
) -> None:
    mesa = uuid.uuid4()
    await _publicar(bus, _iniciado(mesa, "RESERVADO", expediente_id))
    await _recorrido_cuando_llegue(cliente, str(expediente_id), _auth(tokens, "MESA_ENTRADA", mesa))


async def _respuesta(
    cliente: httpx.AsyncClient, headers: dict[str, str], expediente_id: uuid.UUID
) -> tuple[int, dict[str, Any], str | None]:
    r = await cliente.get(f"/api/v1/expedientes/{expediente_id}/pases", headers=headers)
    cuerpo = r.json()
    assert cuerpo.pop("instance") == f"/api/v1/expedientes/{expediente_id}/pases"
    return r.status_code, cuerpo, r.headers.get("retry-after")


async def test_reservado_ajeno_recien_hecho_responde_como_un_id_inventado_recien_hecho(
    cliente: httpx.AsyncClient, bus: Broker, tokens: TokenFactory
) -> None:
    existente = uuid7()
    await _reservado(cliente, bus, tokens, existente)
    ajena = _auth(tokens, "MESA_ENTRADA", uuid.uuid4())

    reservado = await _respuesta(cliente, ajena, existente)
    inventado = await _respuesta(cliente, ajena, uuid7())

    assert reservado == inventado
    assert reservado[0] == 409
    assert reservado[2] == "1"


async def test_reservado_ajeno_viejo_responde_como_un_id_inventado_viejo(
    cliente: httpx.AsyncClient, bus: Broker, tokens: TokenFactory
) -> None:
    hace_una_hora = datetime.now(UTC) - timedelta(hours=1)
    existente = uuid7(hace_una_hora)
    await _reservado(cliente, bus, tokens, existente)
    ajena = _auth(tokens, "MESA_ENTRADA", uuid.uuid4())

    reservado = await _respuesta(cliente, ajena, existente)
    inventado = await _respuesta(cliente, ajena, uuid7(hace_una_hora))
    al_azar = await _respuesta(cliente, ajena, uuid.uuid4())

    assert reservado == inventado == al_azar
    assert reservado[0] == 404


async def test_reservado_ajeno_e_id_inventado_cuestan_las_mismas_sentencias(
    servicio: tuple[FastAPI, httpx.AsyncClient], bus: Broker, tokens: TokenFactory
) -> None:
    app, cliente = servicio
    hace_una_hora = datetime.now(UTC) - timedelta(hours=1)
    existente = uuid7(hace_una_hora)
    await _reservado(cliente, bus, tokens, existente)
    ajena = _auth(tokens, "MESA_ENTRADA", uuid.uuid4())
    sentencias: list[str] = []

    def anotar(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sentencia = " ".join(statement.split())
        de_fondo = "outbox" in sentencia or "correos" in sentencia  # the relay's, the mail's
        if not de_fondo or sentencia.startswith("INSERT INTO outbox"):
            sentencias.append(sentencia)  # the background loops' own statements left out

    async def trabajo(expediente_id: uuid.UUID) -> list[str]:
        await _respuesta(cliente, ajena, expediente_id)  # warm: statement caches, token cache
        sentencias.clear()
        await _respuesta(cliente, ajena, expediente_id)
        return list(sentencias)

    motor = app.state.engine.sync_engine
    event.listen(motor, "before_cursor_execute", anotar)
    try:
        del_reservado = await trabajo(existente)
        del_inventado = await trabajo(uuid7(hace_una_hora))
    finally:
        event.remove(motor, "before_cursor_execute", anotar)

    assert del_reservado == del_inventado
    assert any(s.startswith("INSERT INTO outbox") for s in del_reservado)  # its audit record
