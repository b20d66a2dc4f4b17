"""Which service owns each public path, and which paths need no token."""

from __future__ import annotations

import uuid

import pytest

from gateway.upstreams import is_public, service_for

ID = str(uuid.uuid4())


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/api/v1/auth/login", "auth"),
        ("/api/v1/usuarios", "auth"),
        ("/api/v1/catalogo/mesas", "auth"),
        ("/.well-known/jwks.json", "auth"),
        ("/api/v1/expedientes", "expedientes"),
        (f"/api/v1/expedientes/{ID}/anotaciones", "expedientes"),
        (f"/api/v1/expedientes/{ID}/pases", "pases"),
        (f"/api/v1/expedientes/{ID}/archivos", "archivos"),
        ("/api/v1/mesa/en-mesa", "pases"),
        (f"/api/v1/pases/{ID}/recepcion", "pases"),
        ("/api/v1/remitos/verificar/ABC123", "pases"),
        (f"/api/v1/archivos/{ID}/contenido", "archivos"),
        ("/api/v1/auditoria/verificacion", "auditoria"),
        ("/api/v1/inexistente", None),
    ],
)
def test_cada_ruta_publica_va_al_servicio_que_la_posee(path: str, service: str | None) -> None:
    assert service_for(path) == service


def test_solo_login_recuperacion_solicitudes_y_verificacion_son_publicas() -> None:
    assert is_public("POST", "/api/v1/auth/login")
    assert is_public("POST", "/api/v1/auth/password/olvido")
    assert is_public("GET", "/api/v1/remitos/verificar/ABC123")
    assert not is_public("GET", "/api/v1/auth/login")
    assert not is_public("GET", "/api/v1/auth/me")
    assert not is_public("POST", "/api/v1/expedientes")
