"""The service starts with its first ADMIN and a signing key; demo data loads."""

from __future__ import annotations


async def test_admin_inicial_puede_ingresar(api, client):
    r = await api.login("admin", "dev-insecure-Admin-2026")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900
    assert body["debe_cambiar_password"] is False
    me = await client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200, me.text
    assert me.json()["perfil"] == "ADMIN"
