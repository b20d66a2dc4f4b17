"""Whatever a client sends, as whichever profile, no service answers 5xx, and every answer is
the one its own OpenAPI document promises.

Schemathesis generates requests (valid and invalid bodies, parameters and paths) from each of
the seven documents: every service's own `/openapi.json` and the gateway's merged
`/api/openapi.json`, and sends them with a real token of each profile's demo user. Each answer:

- is not a server error;
- has a status code its operation documents, and a documented content type;
- has a body that validates against the schema documented for that status;
- when it is an error, is problem+json with a `detail` in Spanish (not a framework's English).

Login, refresh and password routes are left out: random failures there would lock the test's
address (brute-force protection, tested in the auth suite and in tests/security).

Examples per operation: `SIGEXP_FUZZ_EJEMPLOS` (default 2, half of it for the gateway's
document, whose operations are the services' own once more; derandomized, so a run is
repeatable and fits `make test`: 84 runs of ~85 operations each). For a long run, e.g.
`SIGEXP_FUZZ_EJEMPLOS=200 pytest tests/fuzz`, which is also randomized (above 50 examples)
unless `SIGEXP_FUZZ_SEMILLA` fixes a seed.
"""

from __future__ import annotations

import http
import os
from functools import cache
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import Failure, FailureGroup

DEMO_PASSWORD = "Demo-Sigexp-2026"
PERFILES = {
    "MESA_ENTRADA": "mesa.cap",
    "OFICINA": "oficina.cap",
    "CARGA": "carga.cap",
    "CONSULTA": "consulta.cap",
    "AUTORIDAD": "autoridad.demo",
    "ADMIN": "admin.demo",
}
EXCLUIDAS = r"^/api/v1/auth/(login|refresh|password.*)$"
DOCUMENTOS = {
    "auth": "/openapi.json",
    "expedientes": "/openapi.json",
    "pases": "/openapi.json",
    "archivos": "/openapi.json",
    "auditoria": "/openapi.json",
    "integraciones": "/openapi.json",
    "gateway": "/api/openapi.json",
}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EJEMPLOS = int(os.environ.get("SIGEXP_FUZZ_EJEMPLOS", "2"))
SEMILLA = os.environ.get("SIGEXP_FUZZ_SEMILLA")
# What Starlette and FastAPI answer on their own, in English: a detail must never be one.
EN_INGLES = {s.phrase for s in http.HTTPStatus} | {"Field required", "Not authenticated"}


@pytest.fixture(scope="session")
def tokens(sistema: Any) -> dict[str, str]:
    """An access token of each profile's demo user, logged in once."""
    tokens = {}
    for perfil, usuario in PERFILES.items():
        r = httpx.post(
            sistema.gateway + "/api/v1/auth/login",
            json={"usuario": usuario, "password": DEMO_PASSWORD},
            timeout=30,
        )
        assert r.status_code == 200, r.text
        tokens[perfil] = r.json()["access_token"]
    return tokens


@cache
def _esquema(url: str) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(url).exclude(path_regex=EXCLUIDAS)


def _problema_en_castellano(response: Any) -> str | None:
    if response.status_code < 400:
        return None
    tipo = response.headers.get("content-type", [""])[0]
    if not tipo.startswith("application/problem+json"):
        return f"error {response.status_code} en {tipo!r}, no problem+json"
    detail = response.json().get("detail")
    if not isinstance(detail, str) or not detail.strip():
        return f"error {response.status_code} sin `detail` de texto: {response.text[:300]}"
    if detail in EN_INGLES or detail.startswith(("Input should", "Value error")):
        return f"error {response.status_code} con `detail` en inglés: {detail!r}"
    return None


def _titulo(falla: BaseException) -> str:
    texto = str(falla).strip()
    return " ".join(texto.splitlines()[:4]) if texto else repr(falla)


def _fallas(case: schemathesis.Case, token: str) -> list[str]:
    response = case.call(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    fallas = []
    try:
        case.validate_response(response, checks=CHECKS)
    except FailureGroup as grupo:
        fallas.extend(_titulo(f) for f in grupo.exceptions)
    except Failure as falla:
        fallas.append(_titulo(falla))
    if (problema := _problema_en_castellano(response)) is not None:
        fallas.append(problema)
    return [
        f"{case.method} {case.formatted_path} -> {response.status_code}: {f}\n"
        f"    {response.text[:400]}"
        for f in fallas
    ]


def _probar(
    operacion: Any, modo: GenerationMode, token: str, fallas: dict[str, str], ejemplos: int
) -> bool:
    """Run the examples of one operation; its first failure of each kind into `fallas`.
    False when nothing in the operation can be made invalid (a negative run of it)."""

    @given(case=operacion.as_strategy(generation_mode=modo))
    @settings(
        max_examples=ejemplos,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=SEMILLA is None and EJEMPLOS <= 50,
        database=None,
        phases=[Phase.explicit, Phase.generate],
    )
    def probar(case: schemathesis.Case) -> None:
        for falla in _fallas(case, token):
            clave = falla.split("\n", 1)[0].split(": ", 1)[-1][:80] + operacion.label
            fallas.setdefault(clave, falla)

    if SEMILLA is not None:
        probar = seed(int(SEMILLA))(probar)
    try:
        probar()
    except Unsatisfiable:
        assert modo is GenerationMode.NEGATIVE
        return False
    return True


@pytest.mark.parametrize("perfil", list(PERFILES))
@pytest.mark.parametrize("modo", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("documento", list(DOCUMENTOS))
def test_cada_respuesta_es_la_documentada_y_ninguna_es_5xx(
    sistema: Any, tokens: dict[str, str], documento: str, modo: GenerationMode, perfil: str
) -> None:
    base = sistema.gateway if documento == "gateway" else sistema.url(documento)
    operaciones = [r.ok() for r in _esquema(base + DOCUMENTOS[documento]).get_all_operations()]
    assert operaciones, f"{documento} publishes no operation in its OpenAPI document"
    fallas: dict[str, str] = {}
    ejemplos = max(1, EJEMPLOS // 2) if documento == "gateway" else EJEMPLOS
    probadas = sum(_probar(op, modo, tokens[perfil], fallas, ejemplos) for op in operaciones)
    assert probadas > 0
    assert not fallas, f"{len(fallas)} fallas:\n" + "\n".join(sorted(fallas.values()))
