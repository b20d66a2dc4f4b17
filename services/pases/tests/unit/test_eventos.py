"""Pases reads its own copy of `sigexp.expediente.iniciado.v1` and tolerates what it ignores."""

from __future__ import annotations

import uuid

import pytest
from pydantic import ValidationError

from pases.events import ExpedienteIniciado

BASE = {
    "expediente_id": str(uuid.uuid4()),
    "referencia": "1-2026",
    "caracter": "PUBLICO",
    "estado": "EN_TRAMITE",
    "tomos": 1,
    "fojas": 0,
    "mesa_id": str(uuid.uuid4()),
    "creado_en": "2026-11-26T10:00:00Z",
}


def test_campos_nuevos_del_productor_se_ignoran() -> None:
    evento = ExpedienteIniciado.model_validate({**BASE, "extracto": "x", "campo_v2": [1, 2]})
    assert evento.permiso == "ESCRITURA"  # the default when the producer does not say


def test_un_evento_sin_la_mesa_no_se_acepta() -> None:
    sin_mesa = {k: v for k, v in BASE.items() if k != "mesa_id"}
    with pytest.raises(ValidationError):
        ExpedienteIniciado.model_validate(sin_mesa)
