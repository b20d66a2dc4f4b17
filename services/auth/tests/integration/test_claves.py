"""Signing keys: JWKS, another service's verifier, rotation, unknown keys."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import jwt
import pytest
from auth_ayudas import sesion_db
from sqlalchemy import update

from auth.comandos import rotate_keys
from auth.main import build_spec
from auth.models import ClaveFirma
from sigexp_common.errors import NoAutenticado
from sigexp_common.security import JwksVerifier
from sigexp_testing.tokens import TokenFactory


def _verificador(app, settings) -> JwksVerifier:
    """What another service (or the gateway) runs, pointed at this auth app's JWKS."""
    return JwksVerifier(
        "http://auth/.well-known/jwks.json",
        settings.jwt_issuer,
        settings.jwt_audience,
        min_refresh_seconds=0,
        client=httpx.AsyncClient(transport=httpx.ASGITransport(app=app)),
    )


async def test_jwks_publica_claves_es256_sin_parte_privada(client):
    r = await client.get("/.well-known/jwks.json")
    assert r.status_code == 200
    claves = r.json()["keys"]
    assert claves
    for clave in claves:
        assert clave["kty"] == "EC"
        assert clave["crv"] == "P-256"
        assert clave["alg"] == "ES256"
        assert clave["kid"]
        assert "d" not in clave


async def test_otro_servicio_rechaza_token_firmado_con_clave_desconocida(app, auth_settings):
    verificador = _verificador(app, auth_settings)
    intruso = TokenFactory(issuer=auth_settings.jwt_issuer, audience=auth_settings.jwt_audience)
    with pytest.raises(NoAutenticado):
        await verificador.verify(intruso.token("ADMIN"))
    await verificador.aclose()


async def test_rotacion_nueva_clave_firma_y_la_vieja_sigue_verificando(api, app, auth_settings):
    verificador = _verificador(app, auth_settings)
    cuenta = await api.crear_usuario()
    viejo = await api.token(cuenta.usuario, cuenta.password)
    assert (await verificador.verify(viejo))["sub"] == cuenta.id
    kid_viejo = jwt.get_unverified_header(viejo)["kid"]

    # The command an operator runs (`python -m auth rotate-keys`), against this database.

    await asyncio.to_thread(rotate_keys, build_spec(auth_settings), [])

    nuevo = await api.token(cuenta.usuario, cuenta.password)
    kid_nuevo = jwt.get_unverified_header(nuevo)["kid"]
    assert kid_nuevo != kid_viejo
    # The verifier had only the old key cached: it fetches the JWKS again and accepts.
    assert (await verificador.verify(nuevo))["sub"] == cuenta.id
    assert (await verificador.verify(viejo))["sub"] == cuenta.id
    # Auth's own routes accept both too.
    for token in (viejo, nuevo):
        r = await api.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200
    await verificador.aclose()

    # Once the old key's tokens have expired, the JWKS stops publishing it.
    async with sesion_db(auth_settings) as db:
        await db.execute(
            update(ClaveFirma)
            .where(ClaveFirma.kid == kid_viejo)
            .values(retirada_en=ClaveFirma.retirada_en - timedelta(minutes=17))
        )
    kids = {k["kid"] for k in (await api.client.get("/.well-known/jwks.json")).json()["keys"]}
    assert kid_nuevo in kids
    assert kid_viejo not in kids
    fresco = _verificador(app, auth_settings)
    with pytest.raises(NoAutenticado):
        await fresco.verify(viejo)
    await fresco.aclose()


async def test_token_manipulado_es_401(api, client):
    cuenta = await api.crear_usuario()
    token = await api.token(cuenta.usuario, cuenta.password)
    cabecera, _, firma = token.split(".")
    otro = await api.token("admin", "dev-insecure-Admin-2026")
    falso = f"{cabecera}.{otro.split('.')[1]}.{firma}"
    r = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {falso}"})
    assert r.status_code == 401
    assert r.json()["detail"] == "El token de acceso no es válido."
