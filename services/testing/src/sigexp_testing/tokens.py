"""Signed test tokens and the JWKS that verifies them, for testing one service alone.

End-to-end tests use the real auth service instead; this serves a service's own integration
tests, where the token's issuer is not what is under test.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from sigexp_common.revocation import ListaRevocaciones, Revocaciones
from sigexp_common.security import JwksVerifier


@dataclass
class TokenFactory:
    issuer: str = "sigexp-auth"
    audience: str = "sigexp"
    kid: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )

    def jwks(self) -> dict[str, Any]:
        public = json.loads(ECAlgorithm.to_jwk(self.key.public_key()))
        public.update({"kid": self.kid, "use": "sig", "alg": "ES256"})
        return {"keys": [public]}

    def token(
        self,
        perfil: str = "MESA_ENTRADA",
        *,
        usuario_id: uuid.UUID | None = None,
        usuario: str = "prueba",
        organismo_id: uuid.UUID | None = None,
        organismo_codigo: str | None = "100111",
        mesa_id: uuid.UUID | None = None,
        debe_cambiar_password: bool = False,
        ttl: int = 900,
    ) -> str:
        now = int(time.time())
        claims = {
            "sub": str(usuario_id or uuid.uuid4()),
            "usuario": usuario,
            "perfil": perfil,
            "organismo_id": str(organismo_id) if organismo_id else None,
            "organismo_codigo": organismo_codigo,
            "mesa_id": str(mesa_id) if mesa_id else None,
            "debe_cambiar_password": debe_cambiar_password,
            "typ": "access",
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "exp": now + ttl,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self.key, algorithm="ES256", headers={"kid": self.kid})

    def verifier(self) -> JwksVerifier:
        """A verifier whose JWKS request is answered with this factory's keys."""
        transport = httpx.MockTransport(lambda request: httpx.Response(200, json=self.jwks()))
        return JwksVerifier(
            "http://auth.test/.well-known/jwks.json",
            self.issuer,
            self.audience,
            client=httpx.AsyncClient(transport=transport),
        )

    def revocaciones(self) -> Revocaciones:
        """The revoked sessions of an app built by hand around these tokens (no auth issued
        them): empty and complete, so writes pass (`app.state.revocaciones`)."""
        revocaciones = Revocaciones()
        revocaciones.load(ListaRevocaciones([]))
        revocaciones.set_live(True)
        return revocaciones


@contextmanager
def jwks_server(tokens: TokenFactory) -> Iterator[str]:
    """auth as a service process fetches it over HTTP: the test keys' JWKS and an empty list of
    revoked sessions (`/internal/revocaciones`). Yields the JWKS URL."""
    claves = json.dumps(tokens.jwks()).encode()
    revocaciones = json.dumps({"items": [], "vigencia_segundos": 900}).encode()

    class Auth(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(revocaciones if self.path.startswith("/internal/") else claves)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Auth)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json"
    finally:
        server.shutdown()
