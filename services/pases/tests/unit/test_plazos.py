"""Business days without a database: weekends and the given holidays do not count."""

from __future__ import annotations

from datetime import date

from pases.plazos import es_habil, sumar_dias_habiles


def test_un_plazo_que_cruza_el_fin_de_semana_no_cuenta_sabado_ni_domingo():
    viernes = date(2026, 3, 6)
    assert sumar_dias_habiles(viernes, 1, set()) == date(2026, 3, 9)  # the Monday
    assert sumar_dias_habiles(viernes, 5, set()) == date(2026, 3, 13)


def test_un_feriado_en_el_medio_corre_el_vencimiento_un_dia_habil():
    jueves = date(2026, 4, 1)
    semana_santa = {date(2026, 4, 2), date(2026, 4, 3)}
    assert sumar_dias_habiles(jueves, 1, semana_santa) == date(2026, 4, 6)
    assert sumar_dias_habiles(jueves, 1, set()) == date(2026, 4, 2)


def test_cero_dias_habiles_vence_el_mismo_dia():
    assert sumar_dias_habiles(date(2026, 3, 7), 0, set()) == date(2026, 3, 7)
    assert not es_habil(date(2026, 3, 7), set())  # a Saturday
