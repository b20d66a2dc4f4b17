"""The archivos service starts against real PostgreSQL, RabbitMQ and S3 and says it is ready."""

from __future__ import annotations

import pytest
from minio import Minio

from archivos.main import build_spec
from archivos.settings import Settings
from sigexp_testing.apps import running_app
from sigexp_testing.infra import S3Server, TestInfra


@pytest.fixture
def settings(infra: TestInfra, s3: S3Server) -> Settings:
    return Settings(
        database_url=infra.database_url("archivos"),
        amqp_url=infra.amqp_url,
        s3_endpoint=s3.endpoint,
        s3_access_key=s3.access_key,
        s3_secret_key=s3.secret_key,
        s3_bucket="sigexp-prueba",
    )


async def test_listo_cuando_base_y_almacenamiento_responden(
    settings: Settings, s3: S3Server
) -> None:
    async with running_app(build_spec(settings)) as (_, client):
        r = await client.get("/health/ready")
    assert r.status_code == 200
    assert r.json()["checks"] == {"database": "ok", "storage": "ok"}  # the broker is no check
    assert Minio(s3.endpoint, s3.access_key, s3.secret_key, secure=False).bucket_exists(
        "sigexp-prueba"
    )


async def test_no_listo_si_el_almacenamiento_rechaza_las_credenciales(
    settings: Settings, s3: S3Server
) -> None:
    async with running_app(build_spec(settings)) as (app, client):
        app.state.almacen.client = Minio(s3.endpoint, "intruso", "clave-equivocada", secure=False)
        r = await client.get("/health/ready")
    assert r.status_code == 503
    assert r.json()["checks"]["storage"].startswith("caido")
