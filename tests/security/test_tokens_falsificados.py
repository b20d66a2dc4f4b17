"""Forged access tokens are refused with 401 at the gateway and straight at every service port.

Each forgery is a real token of a demo user changed in one way only (its algorithm, its key,
one claim, a header), so a 401 means that one change was caught: the untouched token is
accepted at the same route.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

RUTAS = {
    "gateway": "/api/v1/expedientes",
    "auth": "/api/v1/auth/me",
    "expedientes": "/api/v1/expedientes",
    "pases": f"/api/v1/expedientes/{uuid.uuid4()}/pases",
    "auditoria": "/api/v1/auditoria",
}
USUARIO = "admin.demo"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _partes(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    _header, payload, firma = token.split(".")
    relleno = "=" * (-len(payload) % 4)
    claims = json.loads(base64.urlsafe_b64decode(payload + relleno))
    return jwt.get_unverified_header(token), claims, firma


def _armar(header: dict[str, Any], claims: dict[str, Any], firma: str) -> str:
    cabeza = _b64(json.dumps(header).encode())
    cuerpo = _b64(json.dumps(claims).encode())
    return f"{cabeza}.{cuerpo}.{firma}"


def _hs256(header: dict[str, Any], claims: dict[str, Any], secreto: bytes) -> str:
    firmado = _armar({**header, "alg": "HS256"}, claims, "").rstrip(".")
    mac = hmac.new(secreto, firmado.encode(), hashlib.sha256).digest()
    return f"{firmado}.{_b64(mac)}"


AJENA = ec.generate_private_key(ec.SECP256R1())


def _con_clave_ajena(claims: dict[str, Any], **header: Any) -> str:
    return jwt.encode(claims, AJENA, algorithm="ES256", headers=header or None)


@pytest.fixture(scope="module")
def genuino(api: Any) -> str:
    return str(api.token(USUARIO))


@pytest.fixture(scope="module")
def jwks(api: Any) -> dict[str, Any]:
    r = httpx.get(api.url() + "/.well-known/jwks.json")
    assert r.status_code == 200, r.text
    return dict(r.json())


class _Contador(BaseHTTPRequestHandler):
    pedidos: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Contador.pedidos.append(self.path)
        llave = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(AJENA.public_key()))
        cuerpo = json.dumps({"keys": [{**llave, "kid": "ajena", "alg": "ES256"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(cuerpo)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def servidor_de_claves() -> Iterator[str]:
    """An attacker's JWKS server: a token's `jku`/`x5u` points here, nobody should come."""
    servidor = ThreadingHTTPServer(("127.0.0.1", 0), _Contador)
    hilo = threading.Thread(target=servidor.serve_forever, daemon=True)
    hilo.start()
    yield f"http://127.0.0.1:{servidor.server_address[1]}/jwks.json"
    servidor.shutdown()


Forja = Callable[[str, dict[str, Any], Any, str], str]


def _alg_none(token: str, jwks: dict[str, Any], clave: Any, externo: str) -> str:
    header, claims, _ = _partes(token)
    return _armar({**header, "alg": "none"}, {**claims, "perfil": "ADMIN"}, "")


def _hs256_con_la_clave_publica(token: str, jwks: dict[str, Any], clave: Any, ext: str) -> str:
    header, claims, _ = _partes(token)
    publica = jwt.PyJWK(next(k for k in jwks["keys"] if k["kid"] == header["kid"])).key
    pem = publica.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return _hs256(header, claims, pem)


def _claims_alterados(token: str, jwks: dict[str, Any], clave: Any, externo: str) -> str:
    header, claims, firma = _partes(token)
    return _armar(header, {**claims, "perfil": "ADMIN", "sub": str(uuid.uuid4())}, firma)


def _firma_de_otro_token(token: str, jwks: dict[str, Any], clave: Any, externo: str) -> str:
    header, claims, _ = _partes(token)
    ajeno = _con_clave_ajena(claims, kid=header["kid"])
    return _armar(header, claims, ajeno.split(".")[2])


def _clave_ajena_con_kid_publicado(token: str, jwks: dict[str, Any], c: Any, e: str) -> str:
    header, claims, _ = _partes(token)
    return _con_clave_ajena(claims, kid=header["kid"])


def _clave_ajena_con_kid_nuevo(token: str, jwks: dict[str, Any], clave: Any, e: str) -> str:
    return _con_clave_ajena(_partes(token)[1], kid=uuid.uuid4().hex[:16])


def _kid(valor: str | None) -> Forja:
    def forja(token: str, jwks: dict[str, Any], clave: Any, externo: str) -> str:
        header = {} if valor is None else {"kid": valor}
        return _con_clave_ajena(_partes(token)[1], **header)

    return forja


def _apuntando_afuera(campo: str) -> Forja:
    def forja(token: str, jwks: dict[str, Any], clave: Any, externo: str) -> str:
        return _con_clave_ajena(_partes(token)[1], kid="ajena", **{campo: externo})

    return forja


def _con_la_clave_real(**cambios: Any) -> Forja:
    """Signed with auth's own key, wrong only in the claims changed."""

    def forja(token: str, jwks: dict[str, Any], clave: Any, externo: str) -> str:
        kid, privada = clave
        claims = {**_partes(token)[1], **cambios}
        return jwt.encode(claims, privada, algorithm="ES256", headers={"kid": kid})

    return forja


FORJAS: dict[str, Forja] = {
    "alg_none": _alg_none,
    "hs256_firmado_con_la_clave_publica": _hs256_con_la_clave_publica,
    "claims_alterados_con_la_firma_original": _claims_alterados,
    "firma_de_otra_clave_pegada": _firma_de_otro_token,
    "clave_ajena_con_kid_publicado": _clave_ajena_con_kid_publicado,
    "clave_ajena_con_kid_desconocido": _clave_ajena_con_kid_nuevo,
    "kid_como_ruta": _kid("../../../../etc/passwd"),
    "kid_con_sql": _kid("' OR 1=1 --"),
    "kid_muy_largo": _kid("k" * 4000),
    "sin_kid": _kid(None),
    "jku_a_otro_servidor": _apuntando_afuera("jku"),
    "x5u_a_otro_servidor": _apuntando_afuera("x5u"),
    "vencido": _con_la_clave_real(iat=int(time.time()) - 3600, exp=int(time.time()) - 1800),
    "otra_audiencia": _con_la_clave_real(aud="otro-sistema"),
    "otro_emisor": _con_la_clave_real(iss="https://emisor.invalid"),
    "sin_vencimiento": _con_la_clave_real(exp=None),
    "token_de_refresco_como_acceso": _con_la_clave_real(typ="refresh"),
}


@pytest.mark.parametrize("destino", sorted(RUTAS))
def test_el_token_genuino_es_aceptado_en_cada_puerta(api: Any, genuino: str, destino: str) -> None:
    r = httpx.get(api.url(destino) + RUTAS[destino], headers={"Authorization": f"Bearer {genuino}"})
    assert r.status_code != 401, r.text
    assert r.status_code < 500, r.text


@pytest.mark.parametrize("forja", sorted(FORJAS))
@pytest.mark.parametrize("destino", sorted(RUTAS))
def test_token_falsificado_es_rechazado_con_401(
    api: Any,
    genuino: str,
    jwks: dict[str, Any],
    clave_de_auth: tuple[str, Any],
    servidor_de_claves: str,
    destino: str,
    forja: str,
) -> None:
    falso = FORJAS[forja](genuino, jwks, clave_de_auth, servidor_de_claves)
    r = httpx.get(api.url(destino) + RUTAS[destino], headers={"Authorization": f"Bearer {falso}"})
    assert r.status_code == 401, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["detail"]


def test_ninguna_puerta_busca_claves_donde_dice_el_token(
    api: Any, genuino: str, jwks: dict[str, Any], clave_de_auth: Any, servidor_de_claves: str
) -> None:
    for campo in ("jku", "x5u"):
        falso = _apuntando_afuera(campo)(genuino, jwks, clave_de_auth, servidor_de_claves)
        for destino, ruta in RUTAS.items():
            httpx.get(api.url(destino) + ruta, headers={"Authorization": f"Bearer {falso}"})
    assert _Contador.pedidos == []


@pytest.mark.parametrize("destino", sorted(RUTAS))
def test_el_rechazo_de_un_token_falso_anuncia_bearer(
    api: Any, genuino: str, jwks: dict[str, Any], destino: str
) -> None:
    falso = _alg_none(genuino, jwks, None, "")
    r = httpx.get(api.url(destino) + RUTAS[destino], headers={"Authorization": f"Bearer {falso}"})
    assert r.status_code == 401
    assert r.headers.get("www-authenticate", "").startswith("Bearer")
