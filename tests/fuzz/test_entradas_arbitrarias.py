"""Whatever a client sends, no service answers 5xx, and every error is Spanish problem+json.

Schemathesis generates requests from each service's own OpenAPI document (valid and invalid
bodies, parameters and paths) and sends them to the running services with a real token.
Login and password routes are left out: random failures there would lock the test's address
(brute-force protection, tested in the auth suite) for every other test of the session.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

if TYPE_CHECKING:
    from conftest import Sistema

EXCLUIDAS = r"^/api/v1/auth/(login|refresh|password.*)$"
USUARIO_POR_SERVICIO = {
    "auth": "admin.demo",
    "expedientes": "mesa.cap",
    "pases": "mesa.cap",
    "auditoria": "autoridad.demo",
}


def _esquema(sistema: Sistema, servicio: str) -> schemathesis.BaseSchema:
    schema = schemathesis.openapi.from_url(f"{sistema.url(servicio)}/openapi.json")
    return schema.exclude(path_regex=EXCLUIDAS)


@pytest.fixture(scope="session")
def tokens_e2e(sistema: Sistema) -> dict[str, str]:
    tokens = {}
    for servicio, usuario in USUARIO_POR_SERVICIO.items():
        r = httpx.post(
            sistema.gateway + "/api/v1/auth/login",
            json={"usuario": usuario, "password": "Demo-Sigexp-2026"},
        )
        tokens[servicio] = r.json()["access_token"]
    return tokens


def _verificar(case: schemathesis.Case, token: str) -> None:
    response = case.call(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text}"
    if response.status_code >= 400:
        assert response.headers["content-type"][0] == "application/problem+json"
        assert response.json()["detail"]


@pytest.mark.parametrize("servicio", sorted(USUARIO_POR_SERVICIO))
@pytest.mark.parametrize("modo", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_ningun_servicio_responde_5xx_a_entradas_generadas(
    sistema: Sistema, tokens_e2e: dict[str, str], servicio: str, modo: GenerationMode
) -> None:
    token = tokens_e2e[servicio]
    operaciones = [r.ok() for r in _esquema(sistema, servicio).get_all_operations()]
    assert operaciones, f"{servicio} publishes no operation in its OpenAPI document"
    probadas = 0
    for operacion in operaciones:

        @given(case=operacion.as_strategy(generation_mode=modo))
        @settings(
            max_examples=40,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def probar(case: schemathesis.Case) -> None:
            _verificar(case, token)

        try:
            probar()
        except Unsatisfiable:
            assert modo is GenerationMode.NEGATIVE  # nothing in it can be made invalid
            continue
        probadas += 1
    assert probadas > 0
