"""auth's side of revoked sessions: the event leaves with the change, the internal route lists
what verifiers load at start, and auth itself refuses the voided tokens."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

from auth.settings import Settings


async def _rechazado(client, token: str) -> float:
    inicio = time.monotonic()
    while time.monotonic() - inicio < 5:
        r = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        if r.status_code == 401:
            return time.monotonic() - inicio
        assert r.status_code == 200, r.text
        await asyncio.sleep(0.05)
    raise AssertionError("the voided token still works at auth after 5 s")


async def test_un_logout_publica_la_revocacion_y_la_ruta_interna_la_lista(
    api, client, escuchar, auth_settings: Settings
):
    escucha = await escuchar("sigexp.usuario.sesiones_revocadas.v1")
    cuenta = await api.crear_usuario()
    par = (await api.login(cuenta.usuario, cuenta.password)).json()
    r = await client.post(
        "/api/v1/auth/logout",
        json={"refresh_token": par["refresh_token"]},
        headers={"Authorization": f"Bearer {par['access_token']}"},
    )
    assert r.status_code == 204, r.text

    def del_logout(eventos):
        return any(
            e["data"].get("motivo") == "LOGOUT" and e["subject"] == cuenta.id for e in eventos
        )

    eventos = await escucha(10, del_logout)
    evento = next(
        e for e in eventos if e["subject"] == cuenta.id and e["data"]["motivo"] == "LOGOUT"
    )
    assert set(evento["data"]) == {"usuario_id", "revocadas_hasta", "motivo"}
    assert evento["data"]["usuario_id"] == cuenta.id

    lista = await client.get("/internal/revocaciones")
    assert lista.status_code == 200, lista.text
    assert lista.json()["vigencia_segundos"] == auth_settings.access_token_minutes * 60
    hasta = {
        i["usuario_id"]: datetime.fromisoformat(i["revocadas_hasta"]) for i in lista.json()["items"]
    }
    assert hasta[cuenta.id] == datetime.fromisoformat(evento["data"]["revocadas_hasta"])
    assert await _rechazado(client, par["access_token"]) <= 2.0


async def test_cambiar_solo_el_nombre_no_revoca_y_cambiar_el_perfil_si(api, client):
    cuenta = await api.crear_usuario()
    token = await api.token(cuenta.usuario, cuenta.password)
    como = {"Authorization": f"Bearer {token}"}
    r = await client.patch(
        f"/api/v1/usuarios/{cuenta.id}", json={"nombre": "Otro Nombre"}, headers=await api.admin()
    )
    assert r.status_code == 200, r.text
    await asyncio.sleep(0.5)  # what a revocation would take, and more
    assert (await client.get("/api/v1/auth/me", headers=como)).status_code == 200

    r = await client.patch(
        f"/api/v1/usuarios/{cuenta.id}", json={"perfil": "CONSULTA"}, headers=await api.admin()
    )
    assert r.status_code == 200, r.text
    assert await _rechazado(client, token) <= 2.0
    nuevo = await api.token(cuenta.usuario, cuenta.password)
    me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {nuevo}"})
    assert me.status_code == 200, me.text
    assert me.json()["perfil"] == "CONSULTA"
