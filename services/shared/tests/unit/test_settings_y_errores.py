"""Settings refuse development secrets in production; errors speak Spanish problem+json."""

from __future__ import annotations

import time

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field, ValidationError
from pydantic_settings import SettingsConfigDict

from sigexp_common.envelope import Envelope
from sigexp_common.errors import Conflicto, install_error_handlers
from sigexp_common.http import install_request_context
from sigexp_common.settings import ServiceSettings
from sigexp_testing.infra import _stale


def test_produccion_rechaza_las_credenciales_por_defecto() -> None:
    with pytest.raises(ValidationError, match="production refuses development defaults"):
        ServiceSettings(env="production")


def test_produccion_acepta_credenciales_propias() -> None:
    settings = ServiceSettings(
        env="production",
        database_url="postgresql+asyncpg://pases:s3creta-larga@db:5432/pases",
        amqp_url="amqp://pases:otra-s3creta@mq:5672/",
        gateway_secret="una-clave-compartida-larga",
    )
    assert settings.env == "production"


class _Alta(BaseModel):
    extracto: str = Field(min_length=3)
    tomos: int = Field(ge=1)


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/alta")
    async def alta(body: _Alta) -> dict[str, str]:
        raise Conflicto("El expediente está en recepción pendiente.", retry_after=1)

    @app.get("/roto")
    async def roto() -> None:
        raise RuntimeError("falla interna")

    return app


def test_validacion_responde_422_con_campos_y_mensajes_en_castellano() -> None:
    r = TestClient(_app()).post("/alta", json={"extracto": "x", "tomos": "muchos"})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"] == [
        {"campo": "extracto", "mensaje": "Debe tener al menos 3 caracteres."},
        {"campo": "tomos", "mensaje": "Debe ser un número entero."},
    ]


def test_error_de_dominio_lleva_su_estado_detalle_y_retry_after() -> None:
    r = TestClient(_app()).post("/alta", json={"extracto": "xyz", "tomos": 1})
    assert r.status_code == 409
    assert r.headers["retry-after"] == "1"
    assert r.json()["detail"] == "El expediente está en recepción pendiente."


def test_ruta_inexistente_y_error_inesperado_tambien_son_problem_json() -> None:
    client = TestClient(_app(), raise_server_exceptions=False)
    no_existe, roto = client.get("/nada"), client.get("/roto")
    assert (no_existe.status_code, roto.status_code) == (404, 500)
    assert no_existe.json()["detail"] == "El recurso solicitado no existe."
    assert "falla interna" not in roto.text  # internals never reach the clerk
    assert roto.json()["detail"].startswith("Ocurrió un error inesperado")


def test_sobre_cloudevents_conserva_atributos_desconocidos() -> None:
    original = Envelope(source="/sigexp/pases", type="sigexp.pase.enviado.v1", subject="x")
    data = original.model_dump(mode="json") | {"traceparent": "00-abc-01"}
    again = Envelope.model_validate(data)
    assert again.id == original.id
    assert again.model_dump()["traceparent"] == "00-abc-01"
    assert Envelope.from_bytes(original.to_bytes()).type == "sigexp.pase.enviado.v1"


def test_sigexp_env_production_vale_para_todos_los_servicios(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SIGEXP_ENV", "production")
    with pytest.raises(ValidationError, match="production refuses development defaults"):
        ServiceSettings()


def test_el_env_propio_del_servicio_gana_sobre_sigexp_env(monkeypatch: pytest.MonkeyPatch) -> None:
    class PasesSettings(ServiceSettings):
        model_config = SettingsConfigDict(env_prefix="PASES_")

    monkeypatch.setenv("SIGEXP_ENV", "production")
    monkeypatch.setenv("PASES_ENV", "development")
    assert PasesSettings().env == "development"


def test_el_secreto_del_gateway_es_uno_para_todo_el_sistema_y_produccion_exige_uno_propio(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class PasesSettings(ServiceSettings):
        model_config = SettingsConfigDict(env_prefix="PASES_")

    assert "dev-insecure" in PasesSettings().gateway_secret
    monkeypatch.setenv("SIGEXP_GATEWAY_SECRET", "del-sistema")
    assert PasesSettings().gateway_secret == "del-sistema"
    monkeypatch.setenv("PASES_GATEWAY_SECRET", "del-servicio")
    assert PasesSettings().gateway_secret == "del-servicio"
    monkeypatch.delenv("SIGEXP_GATEWAY_SECRET")
    monkeypatch.delenv("PASES_GATEWAY_SECRET")
    propias = {
        "database_url": "postgresql+asyncpg://pases:s3creta-larga@db:5432/pases",
        "amqp_url": "amqp://pases:otra-s3creta@mq:5672/",
    }
    with pytest.raises(ValidationError, match="gateway_secret"):
        PasesSettings(env="production", **propias)


def test_cada_pedido_deja_una_linea_de_acceso_con_su_request_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = _app()
    install_request_context(app)
    with caplog.at_level("INFO", logger="sigexp.access"):
        r = TestClient(app).post(
            "/alta", json={"extracto": "x"}, headers={"X-Request-ID": "pedido-42"}
        )
        TestClient(app).get("/health/live")  # probes stay out of the access log
    lineas = [rec for rec in caplog.records if rec.name == "sigexp.access"]
    assert r.headers["x-request-id"] == "pedido-42"
    assert [(rec.getMessage(), rec.request_id) for rec in lineas] == [  # type: ignore[attr-defined]
        ("POST /alta 422", "pedido-42")
    ]


def test_solo_se_barren_bases_y_vhosts_de_sesiones_viejas() -> None:
    viejo, reciente = int(time.time()) - 7 * 3600, int(time.time()) - 60
    assert _stale(f"t{viejo}ab12_expedientes")
    assert _stale(f"sigexp-t{viejo}ab12-devrun")
    assert not _stale(f"t{reciente}ab12_expedientes")  # another session may be running now
    assert not _stale("sigexp_expedientes")  # `make up`'s own data is never touched
    assert not _stale("test")
