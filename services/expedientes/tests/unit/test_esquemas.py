"""What the alta form accepts and how an expediente is referred to."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from expedientes.models import Expediente
from expedientes.schemas import EdicionIn, ExpedienteIn


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
