"""What the alta form accepts and how an expediente is referred to."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from expedientes.models import Expediente
from expedientes.schemas import ExpedienteIn


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
