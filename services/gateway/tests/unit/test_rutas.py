"""Which service owns each public path, and which paths need no token."""

from __future__ import annotations

import uuid

import pytest
from starlette.requests import Request

from gateway.edge import address_of, client_address
from gateway.settings import trusted_networks
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


def _request(xff: str | None, peer: str = "10.0.0.9") -> Request:
    headers = [(b"x-forwarded-for", xff.encode())] if xff else []
    return Request({"type": "http", "headers": headers, "client": (peer, 1234)})


def test_el_gateway_ignora_la_direccion_que_escribe_el_cliente() -> None:
    assert client_address(_request("1.2.3.4"), trusted_networks("")) == "10.0.0.9"
    # A peer that is not a trusted proxy is the caller, whatever it writes.
    assert client_address(_request("1.2.3.4"), trusted_networks("10.0.0.2")) == "10.0.0.9"


def test_detras_de_un_ingress_confia_solo_en_lo_que_agrego_el_ingress() -> None:
    ingress = trusted_networks("10.0.0.0/24")
    falsa_y_real = _request("6.6.6.6, 200.1.2.3", peer="10.0.0.2")  # the ingress appended .3
    assert client_address(falsa_y_real, ingress) == "200.1.2.3"
    assert client_address(_request(None, peer="10.0.0.2"), ingress) == "10.0.0.2"
    # Two proxies of ours in a row: the right-most entry that is not one of them.
    dos = _request("6.6.6.6, 200.1.2.3, 10.0.0.7", peer="10.0.0.2")
    assert client_address(dos, ingress) == "200.1.2.3"


def test_varias_lineas_x_forwarded_for_se_leen_juntas_y_en_orden() -> None:
    dos_lineas = Request(
        {
            "type": "http",
            "headers": [(b"x-forwarded-for", b"6.6.6.6"), (b"x-forwarded-for", b"200.1.2.3")],
            "client": ("10.0.0.2", 1234),
        }
    )
    ingress = trusted_networks("10.0.0.2")
    assert client_address(dos_lineas, ingress) == "200.1.2.3"
    assert address_of(ingress)(dos_lineas.scope) == "200.1.2.3"


def test_una_entrada_que_no_es_una_direccion_no_llega_a_los_servicios() -> None:
    larga = _request("x" * 300, peer="10.0.0.2")
    assert client_address(larga, trusted_networks("10.0.0.2")) == "10.0.0.2"


def test_las_solicitudes_de_cuenta_solo_se_presentan_sin_token_por_su_ruta_publica() -> None:
    assert is_public("POST", "/api/v1/auth/solicitudes-cuenta")
    assert not is_public("POST", "/api/v1/solicitudes-cuenta")
    assert not is_public("GET", "/api/v1/solicitudes-cuenta")
