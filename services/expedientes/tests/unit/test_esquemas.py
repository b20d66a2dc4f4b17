"""What the alta form accepts and how an expediente is referred to."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from expedientes.models import Expediente, ExpedienteLeido
from expedientes.schemas import (
    EdicionIn,
    ExpedienteIn,
    ExpedienteOut,
    ExpedientesOut,
    ResumenesOut,
    ResumenOut,
    expedientes_json,
    resumenes_json,
)


def test_letras_se_guardan_en_mayusculas_y_vacias_son_ninguna() -> None:
    assert ExpedienteIn(extracto="Pedido", letras=" gsc ").letras == "GSC"
    assert ExpedienteIn(extracto="Pedido", letras="").letras is None


@pytest.mark.parametrize(
    "datos",
    [
        {"extracto": "ab"},
        {"extracto": "Pedido", "tomos": 0},
        {"extracto": "Pedido", "fojas": -1},
        {"extracto": "Pedido", "letras": "A1"},
        {"extracto": "Pedido", "tipo": "general"},
        {"extracto": "Pedido", "caracter": "SECRETO"},
        {"extracto": "Pedido", "anio": 1800},
    ],
)
def test_datos_fuera_de_regla_se_rechazan(datos: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ExpedienteIn.model_validate(datos)


def test_referencia_con_y_sin_letras() -> None:
    assert Expediente(numero=123, letras="ABC", anio=2024).referencia == "123-ABC-2024"
    assert Expediente(numero=48375, letras="", anio=2023).referencia == "48375-2023"


@pytest.mark.parametrize(
    ("escrito", "guardado"),
    [
        ("EX-2024-12345678- -APN-DGDYD#JGM", "EX-2024-12345678- -APN-DGDYD#JGM"),
        (" ex-2019-00012345- -apn-ddyme#mdp ", "EX-2019-00012345- -APN-DDYME#MDP"),
        ("EX-2021-87654321-APN-SSGA#MDP", "EX-2021-87654321-APN-SSGA#MDP"),
        ("EX-2020-11112222- -GDEMZA-MESAGRAL", "EX-2020-11112222- -GDEMZA-MESAGRAL"),
    ],
)
def test_numero_gde_con_el_formato_de_gde_se_guarda_en_mayusculas(
    escrito: str, guardado: str
) -> None:
    assert ExpedienteIn(extracto="Pedido", numero_gde=escrito).numero_gde == guardado


@pytest.mark.parametrize(
    "escrito",
    ["12345", "EX-2024-1234- -APN-DGDYD#JGM", "EX-24-12345678- -APN-X", "EX 2024 12345678"],
)
def test_numero_gde_sin_el_formato_de_gde_se_rechaza(escrito: str) -> None:
    with pytest.raises(ValidationError):
        ExpedienteIn(extracto="Pedido", numero_gde=escrito)


def test_numero_gde_en_blanco_es_ninguno() -> None:
    assert ExpedienteIn(extracto="Pedido", numero_gde="  ").numero_gde is None


def test_una_edicion_con_null_en_un_campo_obligatorio_no_lo_cambia() -> None:
    pedidos = EdicionIn.model_validate(
        {"extracto": None, "numero_instrumento": None, "fojas": 3}
    ).pedidos()
    assert pedidos == {"numero_instrumento": None, "fojas": 3}


def _fila(letras: str, mesa: bool, organismo: bool) -> dict[str, object]:
    """A row of `leer_expedientes` as the search reads it."""
    return {
        "id": uuid.uuid4(),
        "codigo": "100100",
        "numero": 12,
        "letras": letras,
        "anio": 2024,
        "extracto": 'Licitación "pública" de ambulancias — ñandú',
        "numero_instrumento": None if letras else "Resolución 3/2024",
        "numero_gde": "EX-2024-12345678- -APN-DGDYD#JGM" if mesa else None,
        "tomos": 1,
        "fojas": 3,
        "tipo": "GENERAL",
        "caracter": "PUBLICO",
        "ciclo": "EN_TRAMITE",
        "version": 2,
        "organismo_id": uuid.uuid4(),
        "mesa_inicio_id": uuid.uuid4(),
        "iniciado_por": uuid.uuid4(),
        "iniciado_por_usuario": "clara",
        "creado_en": datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC),
        "mesa_actual_id": uuid.uuid4(),
        "permiso_actual": "ESCRITURA",
        "en_transito": not mesa,
        "mesa_nombre": "Mesa de Entradas" if mesa else None,
        "mesa_organismo_id": uuid.uuid4() if mesa and organismo else None,
        "organismo_codigo": "100100" if mesa and organismo else None,
        "organismo_nombre": "Ministerio" if mesa and organismo else None,
    }


FILAS = [_fila("", True, True), _fila("ABC", True, False), _fila("", False, False)]


@pytest.mark.parametrize("siguiente", [None, "MjAyNHwx"])
def test_la_pagina_escrita_de_una_vez_es_la_de_los_modelos_de_respuesta(
    siguiente: str | None,
) -> None:
    leidos = [ExpedienteLeido.de(f) for f in FILAS]
    modelo = ExpedientesOut(
        items=[ExpedienteOut.model_validate(e) for e in leidos], next_cursor=siguiente
    )
    assert json.loads(expedientes_json(FILAS, siguiente)) == modelo.model_dump(mode="json")
    resumenes = ResumenesOut(items=[ResumenOut.de(e) for e in leidos], next_cursor=siguiente)
    assert json.loads(resumenes_json(FILAS, siguiente)) == resumenes.model_dump(mode="json")
    assert [i["mesa_actual"] is None for i in modelo.model_dump()["items"]] == [False, False, True]
