"""`Idempotency-Key` on auth's routes: an ADMIN's retried alta creates one account; public
routes (no user to scope a key by, answers that are credentials) ignore the header."""

from __future__ import annotations

import uuid

import asyncpg
from auth_ayudas import ADMIN_PASSWORD, nombre_unico

from sigexp_testing.apps import from_gateway


async def _claves_guardadas(database_url: str) -> int:
    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return int(await conn.fetchval("SELECT count(*) FROM idempotency_keys"))
    finally:
        await conn.close()


async def test_el_alta_de_usuario_reintentada_crea_una_sola_cuenta(api, client) -> None:
    mesas = await api.mesas()
    u = nombre_unico()
    body = {
        "usuario": u,
        "nombre": "Persona Reintentada",
        "email": f"{u}@prueba.sigexp.invalid",
        "perfil": "CARGA",
        "mesa_id": mesas["CAP-MESA"]["id"],
        "password_provisoria": "Provisoria-" + uuid.uuid4().hex[:8],
    }
    headers = {**await api.admin(), "Idempotency-Key": str(uuid.uuid4())}
    primera = await client.post("/api/v1/usuarios", json=body, headers=headers)
    segunda = await client.post("/api/v1/usuarios", json=body, headers=headers)
    assert (primera.status_code, segunda.status_code) == (201, 201)
    assert segunda.json()["id"] == primera.json()["id"]
    assert segunda.headers["idempotent-replayed"] == "true"
    listado = await client.get("/api/v1/usuarios", params={"q": u}, headers=await api.admin())
    assert [c["usuario"] for c in listado.json()["items"]] == [u]


async def test_el_login_ignora_la_clave_y_no_guarda_los_tokens(client, auth_settings) -> None:
    antes = await _claves_guardadas(auth_settings.database_url)
    headers = {"Idempotency-Key": str(uuid.uuid4()), **from_gateway("10.9.8.7")}
    body = {"usuario": "admin", "password": ADMIN_PASSWORD}
    una = await client.post("/api/v1/auth/login", json=body, headers=headers)
    otra = await client.post("/api/v1/auth/login", json=body, headers=headers)
    assert (una.status_code, otra.status_code) == (200, 200)
    assert una.json()["refresh_token"] != otra.json()["refresh_token"]  # two sessions
    assert "idempotent-replayed" not in otra.headers
    assert await _claves_guardadas(auth_settings.database_url) == antes
