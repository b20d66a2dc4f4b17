"""Arrival notices by e-mail: a desk opts in and gets one message per remito sent to it
(queued by the consumer of `sigexp.remito.emitido.v1`, sent by SMTP; read from the catcher)."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import sembrado
from sqlalchemy import func, select

from pases.models_mesa import CorreoPendiente
from sigexp_common.audit import AccesoRegistrado
from sigexp_common.db import transaction
from sigexp_common.envelope import Envelope
from sigexp_common.messaging_tables import OutboxMessage
from sigexp_testing.mailcatcher import body_text, read_mails
from sigexp_testing.waiting import wait_until


def _auth(tokens, perfil: str, mesa_id: uuid.UUID | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.token(perfil, mesa_id=mesa_id)}"}


def _emitido(envio: sembrado.Envio, origen: uuid.UUID, destino: uuid.UUID) -> Envelope:
    return Envelope(
        source="/sigexp/pases",
        type="sigexp.remito.emitido.v1",
        subject=str(envio.remito_id),
        data={
            "remito_id": str(envio.remito_id),
            "numero": 7,
            "anio": 2026,
            "mesa_origen_id": str(origen),
            "mesa_destino_id": str(destino),
            "pase_ids": [str(p) for p in envio.pase_ids],
            "expediente_ids": [str(e) for e in envio.expediente_ids],
            "por_usuario_id": str(uuid.uuid4()),
            "por_usuario": "mesa.cap",
            "por_mesa_id": str(origen),
            "en": sembrado.hace(minutes=1).isoformat(),
        },
    )


async def _publicar(bus, envelope: Envelope) -> None:
    await bus.publish(envelope.to_bytes(), envelope.type, message_id=str(envelope.id))


async def _correos_del_remito(app, remito_id: uuid.UUID) -> int:
    async with transaction(app.state.sessions) as db:
        return int(
            await db.scalar(select(func.count()).where(CorreoPendiente.remito_id == remito_id)) or 0
        )


async def test_una_mesa_suscripta_recibe_un_correo_por_remito_que_le_llega(
    servicio, tokens, bus, smtp: tuple[int, Path]
):
    app, cliente = servicio
    _, carpeta = smtp
    destino = await sembrado.mesa(app, "SGG - Mesa de Entradas y Salidas")
    origen = await sembrado.mesa(app, "CAP - Mesa de Entradas y Salidas")
    correo = f"mesa-{uuid.uuid4().hex[:8]}@prueba.sigexp.invalid"
    r = await cliente.put(
        "/api/v1/mesa/avisos",
        json={"correo": correo, "activo": True},
        headers=_auth(tokens, "MESA_ENTRADA", destino),
    )
    assert r.status_code == 200, r.text
    assert (r.json()["correo"], r.json()["activo"]) == (correo, True)
    visto = await cliente.get("/api/v1/mesa/avisos", headers=_auth(tokens, "CONSULTA", destino))
    assert (visto.json()["mesa_id"], visto.json()["correo"]) == (str(destino), correo)

    envio = await sembrado.envio(app, origen, destino, 2)
    evento = _emitido(envio, origen, destino)
    await _publicar(bus, evento)
    await _publicar(bus, evento)  # the same delivery again
    await _publicar(bus, _emitido(envio, origen, destino))  # another event of the same remito

    async def llego() -> bool:
        return bool(read_mails(carpeta, to=correo))

    await wait_until(llego, timeout=15)
    (mensaje,) = read_mails(carpeta, to=correo)
    assert str(mensaje["Subject"]) == "SIGEXP: remito N.º 7/2026 en camino a su mesa"
    texto = body_text(mensaje)
    assert "CAP - Mesa de Entradas y Salidas" in texto
    assert "con 2 expediente(s)" in texto
    assert all(referencia in texto for referencia in envio.referencias)
    await asyncio.sleep(1)  # the repeated events had their chance
    assert len(read_mails(carpeta, to=correo)) == 1
    assert await _correos_del_remito(app, envio.remito_id) == 1


async def test_una_mesa_sin_avisos_o_que_los_apago_no_recibe_correos(servicio, tokens, bus):
    app, cliente = servicio
    destino = await sembrado.mesa(app, "Destino")
    origen = await sembrado.mesa(app, "Origen")
    sin_avisos = await sembrado.envio(app, origen, destino, 1)
    r = await cliente.put(
        "/api/v1/mesa/avisos",
        json={"correo": "apagado@prueba.sigexp.invalid", "activo": False},
        headers=_auth(tokens, "OFICINA", destino),
    )
    assert r.status_code == 200
    await _publicar(bus, _emitido(sin_avisos, origen, destino))
    # A later remito to a subscribed desk tells when the first event was handled.
    otra = await sembrado.mesa(app, "Suscripta")
    await cliente.put(
        "/api/v1/mesa/avisos",
        json={"correo": "suscripta@prueba.sigexp.invalid", "activo": True},
        headers=_auth(tokens, "MESA_ENTRADA", otra),
    )
    testigo = await sembrado.envio(app, origen, otra, 1)
    await _publicar(bus, _emitido(testigo, origen, otra))
    await wait_until(lambda: _correos_del_remito(app, testigo.remito_id), timeout=15)
    assert await _correos_del_remito(app, sin_avisos.remito_id) == 0


async def test_solo_la_mesa_decide_sus_avisos_y_el_correo_se_valida(servicio, tokens):
    app, cliente = servicio
    mesa = await sembrado.mesa(app, "Mesa")
    ruta = "/api/v1/mesa/avisos"
    for perfil, mesa_id in (("CONSULTA", mesa), ("CARGA", mesa), ("ADMIN", None)):
        r = await cliente.put(
            ruta,
            json={"correo": "x@prueba.sigexp.invalid", "activo": True},
            headers=_auth(tokens, perfil, mesa_id),
        )
        assert r.status_code == 403, (perfil, r.text)
    malo = await cliente.put(
        ruta,
        json={"correo": "no es un correo", "activo": True},
        headers=_auth(tokens, "MESA_ENTRADA", mesa),
    )
    assert malo.status_code == 422
    assert malo.json()["errors"][0]["campo"] == "correo"
    texto = await cliente.put(
        ruta,
        json={"correo": "a@b.invalid", "activo": "true"},
        headers=_auth(tokens, "MESA_ENTRADA", mesa),
    )
    assert texto.status_code == 422


async def test_leer_y_cambiar_los_avisos_de_una_mesa_deja_su_registro(servicio, tokens):
    app, cliente = servicio
    mesa = await sembrado.mesa(app, f"Mesa de avisos {uuid.uuid4().hex[:6]}")
    visto = await cliente.get("/api/v1/mesa/avisos", headers=_auth(tokens, "CONSULTA", mesa))
    assert visto.status_code == 200, visto.text
    cambio = await cliente.put(
        "/api/v1/mesa/avisos",
        json={"correo": "sin-avisos@prueba.sigexp.invalid", "activo": False},
        headers=_auth(tokens, "MESA_ENTRADA", mesa),
    )
    assert cambio.status_code == 200, cambio.text
    async with transaction(app.state.sessions) as db:
        sobres = await db.scalars(
            select(OutboxMessage.envelope).where(
                OutboxMessage.type == AccesoRegistrado.event_type,
                OutboxMessage.subject == f"mesa/{mesa}",
            )
        )
        acciones = [(s["data"]["accion"], s["data"]["perfil"]) for s in sobres]
    assert ("mesa.avisos_ver", "CONSULTA") in acciones
    assert ("mesa.avisos_cambiar", "MESA_ENTRADA") in acciones
