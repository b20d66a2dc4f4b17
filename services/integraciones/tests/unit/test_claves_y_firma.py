"""Topic patterns as RabbitMQ matches them, and the webhook signature's check."""

from __future__ import annotations

import time

import pytest

from integraciones import claves, webhook


@pytest.mark.parametrize(
    ("patron", "clave", "coincide"),
    [
        ("#", "sigexp.pase.enviado.v1", True),
        ("sigexp.pase.*.v1", "sigexp.pase.enviado.v1", True),
        ("sigexp.pase.#", "sigexp.pase.enviado.v1", True),
        ("sigexp.#.v1", "sigexp.expediente.iniciado.v1", True),
        ("sigexp.*.v1", "sigexp.pase.enviado.v1", False),
        ("sigexp.expediente.#", "sigexp.pase.enviado.v1", False),
        ("sigexp.pase.enviado.v1", "sigexp.pase.enviado.v1", True),
    ],
)
def test_patrones_de_claves(patron: str, clave: str, coincide: bool) -> None:
    assert claves.coincide(patron, clave) is coincide


@pytest.mark.parametrize(
    "patron", ["sigexp.anotacion.#", "sigexp.acceso.registrado.v1", "SIGEXP.#", "a..b", ""]
)
def test_un_patron_que_no_elige_eventos_publicos_no_es_valido(patron: str) -> None:
    assert not claves.valida(patron)


def test_la_firma_verifica_y_cualquier_cambio_la_rompe() -> None:
    ahora = int(time.time())
    cuerpo = b'{"type":"sigexp.pase.enviado.v1"}'
    firma = webhook.firmar("un-secreto-largo-de-prueba", ahora, cuerpo)

    assert firma.startswith("v1=")
    assert webhook.verificar("un-secreto-largo-de-prueba", str(ahora), cuerpo, firma)
    assert not webhook.verificar("un-secreto-largo-de-prueba", str(ahora), cuerpo + b" ", firma)
    assert not webhook.verificar("otro-secreto-largo-de-prueba", str(ahora), cuerpo, firma)
    assert not webhook.verificar("un-secreto-largo-de-prueba", str(ahora + 1), cuerpo, firma)
    assert not webhook.verificar("un-secreto-largo-de-prueba", "ayer", cuerpo, firma)
    antigua = webhook.firmar("un-secreto-largo-de-prueba", ahora - 600, cuerpo)
    assert not webhook.verificar("un-secreto-largo-de-prueba", str(ahora - 600), cuerpo, antigua)
