"""archivos keeps copies of pases' custody and of each expediente's caracter from the bus,
applying only newer versions, and answers who may work on an expediente's files by the one
scope rule: not heard of yet (409) is not the same as missing (404)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import text

from archivos import service
from sigexp_common.broker import Broker
from sigexp_common.db import transaction
from sigexp_common.envelope import Envelope
from sigexp_common.errors import Conflicto, ErrorDominio, NoEncontrado, SinPermiso
from sigexp_common.ids import uuid7
from sigexp_common.security import Perfil, Usuario
from sigexp_testing.waiting import wait_until

ACCION = "archivo.listar"


def _usuario(mesa_id: uuid.UUID | None, perfil: Perfil = Perfil.CARGA) -> Usuario:
    return Usuario(uuid.uuid4(), "carga", perfil, None, "100111", mesa_id, False)


async def _publicar(bus: Broker, tipo: str, datos: dict, sequence: int | None) -> Envelope:
    evento = Envelope(
        source="/sigexp/pases",
        type=tipo,
        subject=str(datos["expediente_id"]),
        sequence=sequence,
        data=datos,
    )
    await bus.publish(evento.to_bytes(), tipo, message_id=str(evento.id))
    return evento


def _custodia(ident: uuid.UUID, mesa: uuid.UUID, mesas: list[uuid.UUID], **extra: object) -> dict:
    return {
        "expediente_id": str(ident),
        "mesa_id": str(mesa),
        "permiso": "ESCRITURA",
        "en_transito": False,
        "mesa_origen_id": None,
        "mesas": [str(m) for m in mesas],
        "desde": datetime.now(UTC).isoformat(),
        **extra,
    }


async def _iniciado(bus: Broker, ident: uuid.UUID, caracter: str = "PUBLICO") -> Envelope:
    datos = {"expediente_id": str(ident), "caracter": caracter, "referencia": "1-2026"}
    evento = Envelope(
        source="/sigexp/expedientes", type="sigexp.expediente.iniciado.v1", data=datos
    )
    await bus.publish(evento.to_bytes(), evento.type, message_id=str(evento.id))
    return evento


async def _consumidos(servicio: FastAPI, *eventos: Envelope) -> None:
    ids = [e.id for e in eventos]

    async def todos() -> bool:
        async with transaction(servicio.state.sessions) as db:
            n = await db.scalar(
                text("SELECT count(*) FROM inbox WHERE event_id = ANY(:ids)"), {"ids": ids}
            )
        return n == len(set(ids))

    await wait_until(todos)


async def _visible(servicio: FastAPI, ident: uuid.UUID, por: Usuario):
    async with transaction(servicio.state.sessions) as db:
        return await service.custodia_visible(db, ident, por, ACCION)


async def _rechazo(servicio: FastAPI, ident: uuid.UUID, por: Usuario) -> ErrorDominio:
    with pytest.raises(ErrorDominio) as rechazo:
        await _visible(servicio, ident, por)
    return rechazo.value


async def test_la_copia_de_custodia_aplica_solo_versiones_nuevas(
    servicio: FastAPI, bus: Broker
) -> None:
    ident, a, b = uuid7(), uuid.uuid4(), uuid.uuid4()
    alta = await _iniciado(bus, ident)
    recibido = await _publicar(
        bus, "sigexp.custodia.actualizada.v1", _custodia(ident, b, [a, b], mesa_origen_id=str(a)), 3
    )
    await _consumidos(servicio, alta, recibido)
    viejos = [
        await _publicar(bus, "sigexp.custodia.actualizada.v1", _custodia(ident, a, [a]), 1),
        await _publicar(
            bus,
            "sigexp.custodia.actualizada.v1",
            _custodia(ident, b, [a], en_transito=True, mesa_origen_id=str(a)),
            2,
        ),
    ]
    await bus.publish(recibido.to_bytes(), recibido.type, message_id=str(recibido.id))
    await _consumidos(servicio, *viejos)

    custodia = await _visible(servicio, ident, _usuario(b))
    assert (custodia.mesa_id, custodia.en_transito, custodia.mesas, custodia.version) == (
        b,
        False,
        [a, b],
        3,
    )
    assert (await _visible(servicio, ident, _usuario(a))).version == 3  # it started there


async def test_fuera_de_alcance_publico_es_403_y_reservado_igual_que_inexistente(
    servicio: FastAPI, bus: Broker
) -> None:
    a = uuid.uuid4()
    # ids of the age of the made-up one below: a young RESERVADO answers 409 like a young
    # unknown id (sigexp_common.alcance, copia=True)
    publico, reservado = uuid7(), uuid7(datetime.now(UTC) - timedelta(days=1))
    eventos = []
    for ident, caracter in ((publico, "PUBLICO"), (reservado, "RESERVADO")):
        eventos.append(await _iniciado(bus, ident, caracter))
        eventos.append(
            await _publicar(bus, "sigexp.custodia.actualizada.v1", _custodia(ident, a, [a]), 1)
        )
    await _consumidos(servicio, *eventos)
    ajeno = _usuario(uuid.uuid4())

    assert isinstance(await _rechazo(servicio, publico, ajeno), SinPermiso)
    del_reservado = await _rechazo(servicio, reservado, ajeno)
    viejo = uuid7(datetime.now(UTC) - timedelta(days=1))
    del_inexistente = await _rechazo(servicio, viejo, ajeno)
    assert type(del_reservado) is type(del_inexistente) is NoEncontrado
    assert del_reservado.detail == del_inexistente.detail == "El expediente no existe."
    assert del_reservado.registro is not None
    assert del_inexistente.registro is not None
    propios = {"en", "expediente_id", "recurso", "request_id"}
    assert del_reservado.registro.model_dump(exclude=propios) == (
        del_inexistente.registro.model_dump(exclude=propios)
    )
    assert (await _visible(servicio, reservado, _usuario(None, Perfil.AUTORIDAD))).mesas == [a]


async def test_un_expediente_recien_creado_que_no_llego_es_409_y_uno_desconocido_404(
    servicio: FastAPI,
) -> None:
    recien = await _rechazo(servicio, uuid7(), _usuario(uuid.uuid4()))
    assert isinstance(recien, Conflicto)
    assert recien.retry_after == 1
    for desconocido in (uuid.uuid4(), uuid7(datetime.now(UTC) - timedelta(hours=1))):
        assert isinstance(
            await _rechazo(servicio, desconocido, _usuario(uuid.uuid4())), NoEncontrado
        )
