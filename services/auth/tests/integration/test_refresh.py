"""Refresh tokens: rotated on use, reuse revokes the family, logout and changes revoke."""

from __future__ import annotations

from auth_ayudas import PASSWORD_BUENA


async def _refresh(client, token):
    return await client.post("/api/v1/auth/refresh", json={"refresh_token": token})


async def test_refresh_rota_el_token_y_el_viejo_deja_de_servir(api, client):
    cuenta = await api.crear_usuario()
    primero = (await api.login(cuenta.usuario, cuenta.password)).json()
    r = await _refresh(client, primero["refresh_token"])
    assert r.status_code == 200, r.text
    segundo = r.json()
    assert segundo["refresh_token"] != primero["refresh_token"]
    assert segundo["access_token"] != primero["access_token"]
    me = await client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {segundo['access_token']}"}
    )
    assert me.status_code == 200
    assert (await _refresh(client, primero["refresh_token"])).status_code == 401


async def test_reuso_de_refresh_revoca_la_familia(api, client):
    cuenta = await api.crear_usuario()
    original = (await api.login(cuenta.usuario, cuenta.password)).json()["refresh_token"]
    legitimo = (await _refresh(client, original)).json()["refresh_token"]
    # An attacker replays the spent token: refused, and the whole family dies with it.
    robado = await _refresh(client, original)
    assert robado.status_code == 401
    assert "Inicie sesión nuevamente" in robado.json()["detail"]
    assert (await _refresh(client, legitimo)).status_code == 401
    # Another session (another family) of the same user is unaffected.
    otra = (await api.login(cuenta.usuario, cuenta.password)).json()["refresh_token"]
    assert (await _refresh(client, otra)).status_code == 200


async def test_logout_revoca_el_refresh(api, client):
    cuenta = await api.crear_usuario()
    tokens = (await api.login(cuenta.usuario, cuenta.password)).json()
    r = await client.post(
        "/api/v1/auth/logout",
        json={"refresh_token": tokens["refresh_token"]},
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert r.status_code == 204
    assert (await _refresh(client, tokens["refresh_token"])).status_code == 401


async def test_logout_sin_token_de_acceso_es_401(client):
    r = await client.post("/api/v1/auth/logout", json={"refresh_token": "x"})
    assert r.status_code == 401
    assert r.json()["detail"].startswith("Falta el token de acceso")


async def test_cambio_de_password_revoca_todas_las_sesiones(api, client):
    cuenta = await api.crear_usuario()
    a = (await api.login(cuenta.usuario, cuenta.password)).json()
    b = (await api.login(cuenta.usuario, cuenta.password)).json()
    r = await client.post(
        "/api/v1/auth/password",
        json={"password_actual": PASSWORD_BUENA, "password_nueva": "Otra-Clave-Segura-2030"},
        headers={"Authorization": f"Bearer {a['access_token']}"},
    )
    assert r.status_code == 204, r.text
    assert (await _refresh(client, a["refresh_token"])).status_code == 401
    assert (await _refresh(client, b["refresh_token"])).status_code == 401
    assert (await api.login(cuenta.usuario, PASSWORD_BUENA)).status_code == 401
    assert (await api.login(cuenta.usuario, "Otra-Clave-Segura-2030")).status_code == 200


async def test_usuario_desactivado_no_puede_refrescar(api, client):
    cuenta = await api.crear_usuario()
    tokens = (await api.login(cuenta.usuario, cuenta.password)).json()
    r = await client.patch(
        f"/api/v1/usuarios/{cuenta.id}", json={"activo": False}, headers=await api.admin()
    )
    assert r.status_code == 200
    assert (await _refresh(client, tokens["refresh_token"])).status_code == 401


async def test_refresh_desconocido_o_vencido_es_401(api, client, auth_settings):
    from datetime import timedelta

    from auth_ayudas import sesion_db
    from sqlalchemy import update

    from auth.models import RefreshToken
    from auth.service.comun import sha256_hex

    assert (await _refresh(client, "no-existe")).status_code == 401
    cuenta = await api.crear_usuario()
    token = (await api.login(cuenta.usuario, cuenta.password)).json()["refresh_token"]
    async with sesion_db(auth_settings) as db:
        await db.execute(
            update(RefreshToken)
            .where(RefreshToken.token_hash == sha256_hex(token))
            .values(expira_en=RefreshToken.creado_en - timedelta(seconds=1))
        )
    assert (await _refresh(client, token)).status_code == 401
