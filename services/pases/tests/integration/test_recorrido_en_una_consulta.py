"""The route of an expediente is one query: custody, each of its pases (oldest first) and
whether the caller may see it come back together."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import event, insert

from pases.models import Pase
from sigexp_common.broker import Broker
from sigexp_testing.tokens import TokenFactory

from .test_tenencia import _auth, _iniciado, _publicar, _recorrido_cuando_llegue


async def test_el_recorrido_trae_sus_pases_en_orden_en_una_sola_consulta(
    servicio: tuple[FastAPI, httpx.AsyncClient], bus: Broker, tokens: TokenFactory
) -> None:
    app, cliente = servicio
    mesa, otra = uuid.uuid4(), uuid.uuid4()
    evento = _iniciado(mesa)
    await _publicar(bus, evento)
    propio = _auth(tokens, "MESA_ENTRADA", mesa)
    await _recorrido_cuando_llegue(cliente, str(evento.subject), propio)
    ahora = datetime.now(UTC)
    enviados = [ahora - timedelta(hours=2), ahora - timedelta(hours=1)]
    async with app.state.engine.begin() as conn:  # pases as the sending use case will leave them
        for i, enviado in enumerate(reversed(enviados)):
            await conn.execute(
                insert(Pase).values(
                    id=uuid.uuid4(),
                    expediente_id=uuid.UUID(str(evento.subject)),
                    mesa_origen_id=mesa,
                    mesa_destino_id=otra,
                    permiso="ESCRITURA",
                    fojas_agregadas=i,
                    tomos_agregados=0,
                    estado="RECIBIDO",
                    enviado_en=enviado,
                )
            )

    lecturas: list[str] = []

    def anotar(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().startswith("SELECT") and "outbox" not in statement:
            lecturas.append(statement)

    motor = app.state.engine.sync_engine
    event.listen(motor, "before_cursor_execute", anotar)
    try:
        url = f"/api/v1/expedientes/{evento.subject}/pases"
        visto = await cliente.get(url, headers=propio)
        ajeno = await cliente.get(url, headers=_auth(tokens, "MESA_ENTRADA", uuid.uuid4()))
    finally:
        event.remove(motor, "before_cursor_execute", anotar)

    assert visto.status_code == 200
    items = visto.json()["items"]
    assert [datetime.fromisoformat(p["enviado_en"]) for p in items] == enviados  # oldest first
    assert visto.json()["tenencia"]["mesa_id"] == str(mesa)
    assert ajeno.status_code == 403
    assert len(lecturas) == 2  # one for each request
