"""Token verification against the auth service's JWKS: rotation, bad keys, auth unreachable."""

from __future__ import annotations

import httpx
import pytest

from sigexp_common.errors import NoAutenticado, NoDisponible
from sigexp_common.security import JwksVerifier
from sigexp_testing.tokens import TokenFactory


def _verifier(responder: httpx.MockTransport) -> JwksVerifier:
    client = httpx.AsyncClient(transport=responder)
    return JwksVerifier("http://auth/.well-known/jwks.json", "sigexp-auth", "sigexp", 0, client)


async def test_una_clave_nueva_se_toma_sin_reiniciar_y_una_desconocida_es_401() -> None:
    vieja, nueva = TokenFactory(), TokenFactory()
    publicadas = {"keys": vieja.jwks()["keys"]}
    verifier = _verifier(httpx.MockTransport(lambda _: httpx.Response(200, json=publicadas)))
    assert (await verifier.verify(vieja.token()))["perfil"] == "MESA_ENTRADA"
    with pytest.raises(NoAutenticado):
        await verifier.verify(nueva.token())
    publicadas["keys"] = [*vieja.jwks()["keys"], *nueva.jwks()["keys"]]  # auth rotated
    assert (await verifier.verify(nueva.token("AUTORIDAD")))["perfil"] == "AUTORIDAD"


async def test_una_clave_inservible_en_el_jwks_se_ignora() -> None:
    buena = TokenFactory()
    rota = {"kid": "rota", "kty": "EC", "crv": "P-256", "x": "no", "y": "sirve"}
    jwks = {"keys": [rota, *buena.jwks()["keys"]]}
    verifier = _verifier(httpx.MockTransport(lambda _: httpx.Response(200, json=jwks)))
    assert (await verifier.verify(buena.token()))["usuario"] == "prueba"


async def test_si_auth_no_responde_es_503_con_retry_after_y_no_401() -> None:
    def caido(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    verifier = _verifier(httpx.MockTransport(caido))
    with pytest.raises(NoDisponible) as error:
        await verifier.verify(TokenFactory().token())
    assert error.value.retry_after == 5


async def test_token_vencido_es_401_con_su_mensaje() -> None:
    factory = TokenFactory()
    verifier = _verifier(httpx.MockTransport(lambda _: httpx.Response(200, json=factory.jwks())))
    with pytest.raises(NoAutenticado, match="expiró"):
        await verifier.verify(factory.token(ttl=-10))
