"""Token verification against the auth service's JWKS: rotation, bad keys, auth unreachable,
and the cache of verified tokens (hit, miss, expiry, bound, invalidation, tampering)."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from sigexp_common.errors import NoAutenticado, NoDisponible
from sigexp_common.security import JwksVerifier, VerifiedTokens
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


class ContandoFirmas(JwksVerifier):
    """The real verifier, counting the ES256 verifications it really does."""

    def __init__(self, factory: TokenFactory, cache_size: int = 100) -> None:
        transport = httpx.MockTransport(lambda _: httpx.Response(200, json=factory.jwks()))
        client = httpx.AsyncClient(transport=transport)
        super().__init__("http://auth/jwks", "sigexp-auth", "sigexp", 0, client, cache_size)
        self.firmas = 0

    async def _verify(self, token: str) -> dict[str, Any]:
        self.firmas += 1
        return await super()._verify(token)


def _alterado(token: str, **cambios: object) -> str:
    """The same token with other claims and the original signature (a forged promotion)."""
    cabecera, carga, firma = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(carga + "=" * (-len(carga) % 4)))
    nueva = base64.urlsafe_b64encode(json.dumps({**claims, **cambios}).encode()).rstrip(b"=")
    return f"{cabecera}.{nueva.decode()}.{firma}"


async def test_un_token_ya_verificado_no_se_vuelve_a_verificar_hasta_su_vencimiento() -> None:
    factory = TokenFactory()
    verifier = ContandoFirmas(factory)
    token = factory.token("CONSULTA")
    vistas = [await verifier.verify(token) for _ in range(5)]
    assert verifier.firmas == 1
    assert all(v["perfil"] == "CONSULTA" for v in vistas)
    vistas[0]["perfil"] = "ADMIN"  # what a caller does with its copy stays with it
    assert (await verifier.verify(token))["perfil"] == "CONSULTA"


async def test_un_token_alterado_nunca_sale_del_cache_y_es_401() -> None:
    factory = TokenFactory()
    verifier = ContandoFirmas(factory)
    token = factory.token("CONSULTA")
    await verifier.verify(token)
    for _ in range(2):
        with pytest.raises(NoAutenticado):
            await verifier.verify(_alterado(token, perfil="ADMIN"))
    assert verifier.firmas == 3  # every forged copy was verified in full, and refused
    assert len(verifier.tokens) == 1


async def test_un_token_vencido_no_se_sirve_del_cache_aunque_ya_se_haya_verificado() -> None:
    factory = TokenFactory()
    verifier = ContandoFirmas(factory)
    token = factory.token(ttl=1)
    exp = (await verifier.verify(token))["exp"]
    await asyncio.sleep(max(0.0, exp - time.time()) + 0.05)
    with pytest.raises(NoAutenticado, match="expiró"):
        await verifier.verify(token)
    assert verifier.firmas == 2
    assert len(verifier.tokens) == 0


async def test_invalidar_un_usuario_hace_verificar_de_nuevo_solo_sus_tokens() -> None:
    factory = TokenFactory()
    verifier = ContandoFirmas(factory)
    ana, beto = uuid.uuid4(), uuid.uuid4()
    de_ana = [factory.token(usuario_id=ana), factory.token("CONSULTA", usuario_id=ana)]
    de_beto = factory.token(usuario_id=beto)
    for token in (*de_ana, de_beto):
        await verifier.verify(token)
    assert verifier.tokens.invalidate_user(ana) == 2
    for token in (*de_ana, de_beto):
        await verifier.verify(token)
    assert verifier.firmas == 3 + 2  # Ana's two again, Beto's from the cache


def _claims(sub: str, iat: float, exp: float) -> dict[str, Any]:
    return {"sub": sub, "iat": iat, "exp": exp, "perfil": "CONSULTA"}


def test_invalidar_con_before_olvida_solo_los_emitidos_antes() -> None:
    ahora = 1_800_000_000.0
    cache = VerifiedTokens(10, clock=lambda: ahora)
    cache.put("viejo", _claims("ana", ahora - 600, ahora + 300))
    cache.put("nuevo", _claims("ana", ahora - 10, ahora + 890))
    revocado = datetime.fromtimestamp(ahora - 60, UTC)  # e.g. her password changed then
    assert cache.invalidate_user("ana", before=revocado) == 1
    assert cache.get("viejo") is None
    assert cache.get("nuevo") is not None


def test_el_cache_tiene_tope_y_olvida_primero_el_menos_usado() -> None:
    ahora = 1_800_000_000.0
    cache = VerifiedTokens(2, clock=lambda: ahora)
    cache.put("a", _claims("ana", ahora, ahora + 900))
    cache.put("b", _claims("beto", ahora, ahora + 900))
    assert cache.get("a") is not None  # "a" used last: "b" is the least recently used
    cache.put("c", _claims("carla", ahora, ahora + 900))
    assert len(cache) == 2
    assert cache.get("b") is None
    assert cache.get("a") is not None
    assert cache.get("c") is not None
    assert cache.invalidate_user("beto") == 0  # its index went with it


def test_una_entrada_vive_hasta_el_exp_del_token_y_ni_un_instante_mas() -> None:
    reloj = [1_800_000_000.0]
    cache = VerifiedTokens(10, clock=lambda: reloj[0])
    cache.put("t", _claims("ana", reloj[0], reloj[0] + 900))
    reloj[0] += 899.9
    assert cache.get("t") is not None
    reloj[0] += 0.1  # exactly `exp`: no longer valid (PyJWT refuses it too)
    assert cache.get("t") is None
    assert len(cache) == 0


def test_con_tamanio_cero_no_guarda_nada() -> None:
    cache = VerifiedTokens(0)
    cache.put("t", _claims("ana", time.time(), time.time() + 900))
    assert cache.get("t") is None
