"""The gateway's settings: its secret towards the services, the listeners it opens, and
production's refusal of development credentials."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gateway.settings import Settings, services


def test_el_secreto_del_gateway_sale_de_la_variable_de_todo_el_sistema(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SIGEXP_GATEWAY_SECRET", "uno-para-todo-el-sistema-0123456789")
    assert Settings().gateway_secret == "uno-para-todo-el-sistema-0123456789"
    monkeypatch.setenv("GATEWAY_GATEWAY_SECRET", "solo-el-del-gateway-0123456789")
    assert Settings().gateway_secret == "solo-el-del-gateway-0123456789"


def test_produccion_rechaza_el_secreto_de_desarrollo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SIGEXP_GATEWAY_SECRET", raising=False)
    monkeypatch.setenv("SIGEXP_ENV", "production")
    monkeypatch.setenv("GATEWAY_AMQP_URL", "amqp://sigexp_gateway:s3creto@mq:5672/sigexp")
    with pytest.raises(ValidationError, match="gateway_secret"):
        Settings()
    monkeypatch.setenv("SIGEXP_GATEWAY_SECRET", "corto")
    with pytest.raises(ValidationError, match="gateway_secret"):
        Settings()
    monkeypatch.setenv("SIGEXP_GATEWAY_SECRET", "un-secreto-largo-de-produccion-0123456789")
    assert Settings().env == "production"


def test_los_proxies_de_confianza_son_direcciones_o_redes() -> None:
    assert Settings(trusted_proxies="10.0.0.0/8, 192.0.2.7").trusted_proxies
    with pytest.raises(ValidationError):
        Settings(trusted_proxies="2")  # the old count: not an address


def test_las_operaciones_escuchan_en_su_propio_puerto_por_defecto_9100() -> None:
    assert Settings().ops_port == 9100


SECRETO = "un-secreto-largo-de-produccion-0123456789"


def test_en_produccion_el_gateway_rechaza_el_broker_de_desarrollo() -> None:
    with pytest.raises(ValidationError, match="amqp_url"):
        Settings(env="production", gateway_secret=SECRETO)
    propio = Settings(
        env="production",
        gateway_secret=SECRETO,
        amqp_url="amqp://sigexp_gateway:s3creto@mq:5672/sigexp",
    )
    assert propio.amqp_url.startswith("amqp://sigexp_gateway")


def test_el_broker_y_la_lista_de_revocaciones_no_son_servicios_a_los_que_reenviar() -> None:
    assert "amqp" not in services()
    assert "revocations" not in services()
