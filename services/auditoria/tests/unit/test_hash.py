"""The chain's hash depends on every field and on the previous record."""

from __future__ import annotations

from auditoria.cadena import GENESIS, calcular_hash


def test_el_hash_cambia_si_cambia_un_campo_o_el_anterior() -> None:
    valores = {"accion": "expediente.ver", "usuario": "mesa.cap", "detalle": {"a": 1}}
    base = calcular_hash(GENESIS, valores)
    assert calcular_hash(GENESIS, dict(valores)) == base
    assert calcular_hash(GENESIS, {**valores, "usuario": "otro"}) != base
    assert calcular_hash("1" * 64, valores) != base
    assert len(base) == 64
