"""Dot segments and encoded slashes in a path parameter or in the gateway's path never reach
a file or another route: the answer is a refusal (400, 404, or 422 for a malformed id).

Requests go on a raw socket: an HTTP client would normalise `..` before sending it.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

PARAMETROS = (
    "..",
    "%2e%2e",
    ".%2e",
    "..%2f..%2f..%2fetc%2fpasswd",
    "%2e%2e%2f%2e%2e%2fhealth%2flive",
    "..%252f..%252fetc%252fpasswd",
    "..;",
    "....%2f%2f....%2f%2fetc%2fpasswd",
    "..%5c..%5cwindows",
    "%00",
)
# Path-parameter routes per service, with `{}` for the parameter and the user who calls it.
RUTAS_CON_PARAMETRO = {
    "expedientes": ("GET", "/api/v1/expedientes/{}", "mesa.cap"),
    "pases": ("GET", "/api/v1/expedientes/{}/pases", "mesa.cap"),
    "auth": ("GET", "/api/v1/usuarios/{}", "admin.demo"),
    "auth-aprobar": ("POST", "/api/v1/solicitudes-cuenta/{}/aprobar", "admin.demo"),
}
RUTAS_DEL_GATEWAY = (
    "/../../../../etc/passwd",
    "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/api/v1/../../etc/passwd",
    "/api/v1/%2e%2e/%2e%2e/etc/passwd",
    "/api/v1/expedientes/../../../health/live",
    "/api/v1/expedientes/..%2f..%2f..%2fmetrics",
    "/api/v1/expedientes%2f..%2fusuarios",
    "/api/v1/expedientes/..%2fusuarios",
    "/api/v1/catalogo/%2e%2e/%2e%2e/auditoria",
    "/api/v1/auth/..%2f..%2f..%2fopenapi.json",
    "/.well-known/../../etc/passwd",
    "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/index.html/../../../etc/passwd",
    "/..%5c..%5c..%5cetc%5cpasswd",
)
LINEA_DE_ESTADO = re.compile(rb"^HTTP/1\.1 (\d{3}) ", re.MULTILINE)


def _pedir(api: Any, puerto: str, metodo: str, ruta: str, usuario: str) -> tuple[int, bytes]:
    cabeceras = (
        f"{metodo} {ruta} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {api.token(usuario)}\r\n"
        "Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
    )
    respuesta = api.crudo(puerto, cabeceras.encode())
    estado = LINEA_DE_ESTADO.match(respuesta)
    assert estado, respuesta[:300]
    return int(estado.group(1)), respuesta


def _es_un_rechazo(estado: int, respuesta: bytes) -> bool:
    return estado in (400, 404, 422) and b"root:" not in respuesta and b"sigexp_" not in respuesta


@pytest.mark.parametrize("ruta", sorted(RUTAS_CON_PARAMETRO))
@pytest.mark.parametrize("puerta", ["gateway", "servicio"])
def test_recorrido_en_parametros_de_ruta_es_rechazado(api: Any, ruta: str, puerta: str) -> None:
    metodo, plantilla, usuario = RUTAS_CON_PARAMETRO[ruta]
    puerto = "gateway" if puerta == "gateway" else ruta.split("-")[0]
    for parametro in PARAMETROS:
        for valor in (parametro, f"{uuid.uuid4()}/{parametro}", f"{parametro}/{uuid.uuid4()}"):
            estado, respuesta = _pedir(api, puerto, metodo, plantilla.format(valor), usuario)
            assert _es_un_rechazo(estado, respuesta), (plantilla, valor, respuesta[:400])


@pytest.mark.parametrize("ruta", RUTAS_DEL_GATEWAY)
def test_recorrido_en_la_ruta_del_gateway_es_rechazado(api: Any, ruta: str) -> None:
    estado, respuesta = _pedir(api, "gateway", "GET", ruta, "admin.demo")
    assert _es_un_rechazo(estado, respuesta), respuesta[:400]


BARRA_FINAL = (
    "/api/v1/usuarios/",
    "/api/v1/expedientes/",
    "/api/v1/catalogo/mesas/",
    "/api/v1/auditoria/",
)
UBICACION = re.compile(rb"^location: *(\S+)", re.IGNORECASE | re.MULTILINE)


@pytest.mark.parametrize("ruta", BARRA_FINAL)
def test_barra_final_nunca_redirige_a_un_puerto_interno(api: Any, ruta: str) -> None:
    """A service's trailing-slash redirect names the address it was reached at: through the
    gateway it must stay on the gateway (relative, or the gateway's own origin)."""
    estado, respuesta = _pedir(api, "gateway", "GET", ruta, "admin.demo")
    if estado in (301, 302, 307, 308):
        destino = UBICACION.search(respuesta)
        assert destino, respuesta[:400]
        ubicacion = destino.group(1).decode()
        assert ubicacion.startswith("/") or ubicacion.startswith(api.url()), ubicacion
        internos = [p for s, p in api.sistema.ports.items() if s != "gateway"]
        assert not any(f":{puerto}" in ubicacion for puerto in internos), ubicacion
