"""Which service answers which public path, and which paths need no token."""

from __future__ import annotations

import re
from dataclasses import dataclass

UUID = r"[0-9a-fA-F-]{36}"


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern[str]
    service: str


def _rule(pattern: str, service: str) -> Rule:
    return Rule(re.compile(pattern), service)


# First match wins: the more specific paths come first.
RULES = (
    _rule(rf"^/api/v1/expedientes/{UUID}/pases$", "pases"),
    _rule(rf"^/api/v1/expedientes/{UUID}/archivos$", "archivos"),
    _rule(rf"^/api/v1/expedientes/{UUID}/acumulados(/.*)?$", "pases"),
    _rule(r"^/api/v1/correcciones(/.*)?$", "expedientes"),
    _rule(r"^/api/v1/(expedientes|solicitudes-baja)(/.*)?$", "expedientes"),
    _rule(r"^/api/v1/consulta-global$", "expedientes"),
    _rule(r"^/api/v1/(pases|mesa|remitos|solicitudes-reversion|tenencias)(/.*)?$", "pases"),
    _rule(r"^/api/v1/archivos(/.*)?$", "archivos"),
    _rule(r"^/api/v1/auditoria(/.*)?$", "auditoria"),
    _rule(r"^/api/v1/integraciones(/.*)?$", "integraciones"),
    _rule(r"^/api/v1/(auth|usuarios|catalogo|solicitudes-cuenta)(/.*)?$", "auth"),
    _rule(r"^/\.well-known/jwks\.json$", "auth"),
)

PUBLIC = (
    ("POST", re.compile(r"^/api/v1/auth/(login|refresh|password/olvido|password/restablecer)$")),
    ("POST", re.compile(r"^/api/v1/auth/solicitudes-cuenta$")),
    ("GET", re.compile(r"^/api/v1/remitos/verificar/[^/]+$")),
    ("GET", re.compile(r"^/\.well-known/jwks\.json$")),
)


def service_for(path: str) -> str | None:
    for rule in RULES:
        if rule.pattern.match(path):
            return rule.service
    return None


def is_public(method: str, path: str) -> bool:
    return any(method == m and pattern.match(path) for m, pattern in PUBLIC)
