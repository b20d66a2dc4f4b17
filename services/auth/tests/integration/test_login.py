"""Login: the token contract, same answer for unknown users, audit records, deactivation."""

from __future__ import annotations

import statistics
import time

import jwt
import pytest

from auth.settings import Settings
from sigexp_common.security import Usuario


async def test_login_entrega_token_con_el_contrato_de_claims(api, client, auth_settings: Settings):
    cuenta = await api.crear_usuario("MESA_ENTRADA", "SGG-MESA")
    r = await api.login(cuenta.usuario, cuenta.password)
    assert r.status_code == 200, r.text
    body = r.json()
    header = jwt.get_unverified_header(body["access_token"])
    assert header["alg"] == "ES256"
    assert header["kid"]
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["sub"] == cuenta.id
    assert claims["usuario"] == cuenta.usuario
    assert claims["perfil"] == "MESA_ENTRADA"
    assert claims["mesa_id"] == cuenta.mesa_id
    assert claims["organismo_codigo"] == "100200"
    assert claims["typ"] == "access"
    assert claims["iss"] == auth_settings.jwt_issuer
    assert claims["aud"] == auth_settings.jwt_audience
    assert claims["exp"] - claims["iat"] == pytest.approx(15 * 60)
    assert isinstance(claims["iat"], float)  # to the microsecond: revocations compare with it
    assert claims["jti"]
    usuario = Usuario.from_claims(claims)
    assert usuario.debe_cambiar_password is False
    assert str(usuario.organismo_id) == claims["organismo_id"]


async def test_login_por_email_tambien_funciona(api):
    cuenta = await api.crear_usuario()
    r = await api.login(cuenta.email.upper(), cuenta.password)
    assert r.status_code == 200, r.text


async def test_usuario_inexistente_recibe_la_misma_respuesta_que_password_incorrecta(api):
    cuenta = await api.crear_usuario()
    mala = await api.login(cuenta.usuario, "no-es-la-password")
    inexistente = await api.login("nadie-" + cuenta.usuario, "no-es-la-password")
    assert mala.status_code == inexistente.status_code == 401
    sin_variable = [
        {k: v for k, v in r.json().items() if k != "instance"} for r in (mala, inexistente)
    ]
    assert sin_variable[0] == sin_variable[1]
    assert sin_variable[0]["detail"] == "Usuario o contraseña incorrectos."
    assert mala.headers["content-type"] == inexistente.headers["content-type"]


async def test_sin_enumeracion_por_tiempo(api):
    """An unknown user is answered in the time of a known one with a wrong password.

    Medians of interleaved samples, the order swapped every round: on a shared machine a
    neighbour that takes the CPU for a moment moves a few samples, not the verdict, and a slow
    phase of the run falls on both kinds alike.
    """
    cuentas = [await api.crear_usuario() for _ in range(8)]
    muestras: dict[str, list[float]] = {"inexistente": [], "incorrecta": []}

    async def medir(tipo: str, usuario: str) -> None:
        inicio = time.perf_counter()
        r = await api.login(usuario, "Incorrecta-1234")
        muestras[tipo].append(time.perf_counter() - inicio)
        assert r.status_code == 401

    for i in range(30):
        # Spread attempts so that no account or address reaches its lock (4 per account).
        conocido = ("incorrecta", cuentas[i % 8].usuario)
        fantasma = ("inexistente", f"fantasma-{i}-{cuentas[0].usuario}")
        for tipo, usuario in (conocido, fantasma) if i % 2 else (fantasma, conocido):
            await medir(tipo, usuario)
    mediana_inexistente = statistics.median(muestras["inexistente"])
    mediana_incorrecta = statistics.median(muestras["incorrecta"])
    ratio = mediana_inexistente / mediana_incorrecta
    print(
        f"\nmedian unknown user {mediana_inexistente * 1000:.1f} ms, wrong password "
        f"{mediana_incorrecta * 1000:.1f} ms, ratio {ratio:.3f}"
    )
    assert 0.8 <= ratio <= 1.2


async def test_usuario_desactivado_no_puede_ingresar(api, client):
    cuenta = await api.crear_usuario()
    r = await client.patch(
        f"/api/v1/usuarios/{cuenta.id}", json={"activo": False}, headers=await api.admin()
    )
    assert r.status_code == 200, r.text
    assert r.json()["activo"] is False
    r = await api.login(cuenta.usuario, cuenta.password)
    assert r.status_code == 401
    assert r.json()["detail"] == "Usuario o contraseña incorrectos."


async def test_login_y_login_fallido_se_auditan_con_la_direccion(api, escuchar):
    escucha = await escuchar("sigexp.acceso.registrado.v1")
    cuenta = await api.crear_usuario()
    await api.login(cuenta.usuario, "equivocada-123", ip="203.0.113.7")
    await api.login(cuenta.usuario, cuenta.password, ip="203.0.113.8")

    def _de(eventos, accion, ip):
        return [
            e["data"]
            for e in eventos
            if e["data"]["accion"] == accion
            and e["data"]["usuario"] == cuenta.usuario
            and e["data"]["ip"] == ip
        ]

    eventos = await escucha(
        10,
        lambda ev: (
            bool(_de(ev, "auth.login_fallido", "203.0.113.7"))
            and bool(_de(ev, "auth.login", "203.0.113.8"))
        ),
    )
    fallido = _de(eventos, "auth.login_fallido", "203.0.113.7")
    exitoso = _de(eventos, "auth.login", "203.0.113.8")
    assert len(fallido) == 1
    assert fallido[0]["resultado"] == "DENEGADO"
    assert fallido[0]["detalle"]["causa"] == "password"
    assert len(exitoso) == 1
    assert exitoso[0]["usuario_id"] == cuenta.id
    assert exitoso[0]["perfil"] == "MESA_ENTRADA"


async def test_entradas_malformadas_responden_problem_json_en_castellano(api, client):
    r = await client.post(
        "/api/v1/auth/login", content=b"{no es json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 400
    assert r.json()["detail"] == "El cuerpo de la solicitud no es JSON válido."
    r = await client.post("/api/v1/auth/login", json={"usuario": "x"})
    assert r.status_code == 422
    assert r.json()["errors"] == [{"campo": "password", "mensaje": "Es obligatorio."}]
    r = await client.get("/api/v1/usuarios/no-es-uuid", headers=await api.admin())
    assert r.status_code == 422
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": ""})
    assert r.status_code == 422
    r = await client.post("/api/v1/auth/password/olvido", json={"email": "sin-arroba"})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
