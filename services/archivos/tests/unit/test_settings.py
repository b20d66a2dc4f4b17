"""Production refuses the development S3 secret; any S3 endpoint drops in by settings."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from archivos.settings import Settings

PROPIAS = {
    "env": "production",
    "database_url": "postgresql+asyncpg://archivos:clave-propia@db:5432/archivos",
    "amqp_url": "amqp://archivos:clave-propia@mq:5672/",
    "gateway_secret": "clave-propia-del-gateway",
}


def test_produccion_rechaza_la_clave_s3_de_desarrollo() -> None:
    with pytest.raises(ValidationError, match="s3_secret_key"):
        Settings(**PROPIAS)


def test_produccion_acepta_un_s3_propio() -> None:
    settings = Settings(**PROPIAS, s3_endpoint="minio.interno:9000", s3_secret_key="x" * 32)
    assert (settings.s3_endpoint, settings.s3_secure) == ("minio.interno:9000", False)
