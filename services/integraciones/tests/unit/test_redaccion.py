"""The redaction rule and the public models it fills."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from integraciones import events, redaccion
from integraciones.publico import PUBLICOS, SIEMPRE


@pytest.mark.parametrize("modelo", PUBLICOS, ids=[p.event_type for p in PUBLICOS])
def test_todo_campo_fuera_de_la_lista_permitida_puede_ir_vacio(modelo: type) -> None:
    for nombre, campo in modelo.model_fields.items():
        if nombre not in SIEMPRE:
            assert not campo.is_required(), f"{modelo.__name__}.{nombre} must be optional"
            assert campo.default is None


def _enviado(observaciones: str) -> events.PaseEnviado:
    return events.PaseEnviado(
        pase_id=uuid.uuid4(),
        expediente_id=uuid.uuid4(),
        mesa_origen_id=uuid.uuid4(),
        mesa_destino_id=uuid.uuid4(),
        en=datetime.now(UTC),
        referencia="EXP-1",
        organismo_destino_id=None,
        fojas_agregadas=2,
        tomos_agregados=0,
        observaciones=observaciones,
        plazo_dias_habiles=5,
        vence_en=None,
    )


def test_un_pase_de_expediente_reservado_lleva_solo_ids_referencia_estado_y_mesas() -> None:
    ev = _enviado("confidencial")
    publico = redaccion.pase_enviado(ev, redaccion.Expediente("EXP-1", "RESERVADO", "EN_TRAMITE"))

    datos = publico.model_dump()
    llenos = {k for k, v in datos.items() if v is not None}
    assert llenos <= SIEMPRE
    assert publico.reservado is True
    assert publico.referencia == "EXP-1"
    assert publico.mesa_destino_id == ev.mesa_destino_id
    assert publico.estado == "RECEPCION_PENDIENTE"


def test_un_pase_de_expediente_publico_lleva_su_contenido() -> None:
    publico = redaccion.pase_enviado(
        _enviado("para su firma"), redaccion.Expediente("EXP-1", "PUBLICO", "EN_TRAMITE")
    )
    assert publico.observaciones == "para su firma"
    assert publico.fojas_agregadas == 2
    assert publico.reservado is False


@pytest.mark.parametrize("caracter", [None, "", "OTRO", "reservado"])
def test_un_caracter_desconocido_se_trata_como_reservado(caracter: str | None) -> None:
    exp = None if caracter is None else redaccion.Expediente("EXP-1", caracter, "EN_TRAMITE")
    publico = redaccion.pase_enviado(_enviado("secreto"), exp)
    assert publico.observaciones is None
    assert publico.reservado is True
