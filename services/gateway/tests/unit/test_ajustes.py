"""The gateway's settings: production refuses the development broker credentials."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gateway.settings import Settings, services


def test_en_produccion_el_gateway_rechaza_el_broker_de_desarrollo() -> None:
    with pytest.raises(ValidationError, match="amqp_url"):
        Settings(env="production")
    propio = Settings(env="production", amqp_url="amqp://sigexp_gateway:s3creto@mq:5672/sigexp")
    assert propio.amqp_url.startswith("amqp://sigexp_gateway")


def test_el_broker_y_la_lista_de_revocaciones_no_son_servicios_a_los_que_reenviar() -> None:
    assert "amqp" not in services()
    assert "revocations" not in services()
