"""Account rules: there is always an active ADMIN; profiles without a desk have none; the public
account request cannot ask for ADMIN and every text is bounded; failed logins against a real
account are on its record."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from auth_ayudas import ADMIN_PASSWORD, PASSWORD_BUENA, nombre_unico, sesion_db
from sqlalchemy import select

from auth.main import build_spec
from auth.settings import Settings
from sigexp_common import audit
from sigexp_common.messaging_tables import OutboxMessage
from sigexp_testing.apps import running_app
from sigexp_testing.infra import TestInfra


@pytest.fixture
async def solo_un_admin(
    auth_settings: Settings, infra: TestInfra
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    """An auth service of its own, fresh: its only ADMIN is the first one, made at start-up."""
    propio = auth_settings.model_copy(
        update={"database_url": infra.database_url(f"auth_{nombre_unico('adm')}")}
    )
    async with running_app(build_spec(propio)) as (_, client):
        r = await client.post(
            "/api/v1/auth/login", json={"usuario": "admin", "password": ADMIN_PASSWORD}
        )
        assert r.status_code == 200, r.text
        yield client, {"Authorization": f"Bearer {r.json()['access_token']}"}


async def _admins_activos(client: httpx.AsyncClient, cabecera: dict[str, str]) -> list[str]:
    r = await client.get(
        "/api/v1/usuarios", params={"perfil": "ADMIN", "activo": True}, headers=cabecera
    )
    return [u["usuario"] for u in r.json()["items"]]


async def test_el_ultimo_admin_activo_no_puede_quitarse_el_perfil_ni_desactivarse(
    solo_un_admin,
):
    client, cabecera = solo_un_admin
    assert await _admins_activos(client, cabecera) == ["admin"]
    yo = (await client.get("/api/v1/auth/me", headers=cabecera)).json()["id"]
    for cambio in ({"perfil": "AUTORIDAD"}, {"activo": False}):
        r = await client.patch(f"/api/v1/usuarios/{yo}", json=cambio, headers=cabecera)
        assert r.status_code == 409, (cambio, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    assert "último" in r.json()["detail"]
    # With a second active ADMIN the first may step down; then the second is the last.
    otro = nombre_unico("adm")
    r = await client.post(
        "/api/v1/usuarios",
        json={
            "usuario": otro,
            "nombre": "Otra Administradora",
            "email": f"{otro}@prueba.sigexp.invalid",
            "perfil": "ADMIN",
            "password_provisoria": "Provisoria-Admin-2",
        },
        headers=cabecera,
    )
    assert r.status_code == 201, r.text
    otro_id = r.json()["id"]
    login = await client.post(
        "/api/v1/auth/login", json={"usuario": otro, "password": "Provisoria-Admin-2"}
    )
    como_otro = {"Authorization": f"Bearer {login.json()['access_token']}"}
    r = await client.post(
        "/api/v1/auth/password",
        json={"password_actual": "Provisoria-Admin-2", "password_nueva": PASSWORD_BUENA},
        headers=como_otro,
    )
    assert r.status_code == 204, r.text
    r = await client.patch(f"/api/v1/usuarios/{yo}", json={"perfil": "AUTORIDAD"}, headers=cabecera)
    assert r.status_code == 200, r.text
    login = await client.post(
        "/api/v1/auth/login", json={"usuario": otro, "password": PASSWORD_BUENA}
    )
    como_otro = {"Authorization": f"Bearer {login.json()['access_token']}"}
    r = await client.patch(
        f"/api/v1/usuarios/{otro_id}", json={"perfil": "CONSULTA"}, headers=como_otro
    )
    assert r.status_code == 409
    assert await _admins_activos(client, como_otro) == [otro]


async def test_pasar_a_un_perfil_sin_mesa_quita_la_mesa_y_conserva_el_organismo(api, client):
    cuenta = await api.crear_usuario("MESA_ENTRADA", "CAP-MESA", activar=False)
    cabecera = await api.admin()
    for perfil in ("AUTORIDAD", "ADMIN"):
        r = await client.patch(
            f"/api/v1/usuarios/{cuenta.id}", json={"perfil": perfil}, headers=cabecera
        )
        assert r.status_code == 200, r.text
        assert (r.json()["perfil"], r.json()["mesa_id"], r.json()["mesa"]) == (perfil, None, None)
        assert r.json()["organismo"]["codigo"] == "100111"
    # Naming a desk for a profile that has none is refused, naming the field.
    mesas = await api.mesas()
    r = await client.patch(
        f"/api/v1/usuarios/{cuenta.id}",
        json={"perfil": "AUTORIDAD", "mesa_id": mesas["CAP-MESA"]["id"]},
        headers=cabecera,
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["campo"] == "mesa_id"


def _solicitud(**cambios: Any) -> dict[str, Any]:
    return {
        "nombre": "Persona Solicitante",
        "email": f"{nombre_unico('sol')}@prueba.sigexp.invalid",
        "organismo": "CONSEJO AGRARIO PROVINCIAL",
        "area": "Mesa de entradas",
        "perfil": "MESA_ENTRADA",
        **cambios,
    }


async def test_la_solicitud_publica_no_puede_pedir_admin(api, client):
    r = await client.post(
        "/api/v1/auth/solicitudes-cuenta", json=_solicitud(perfil="ADMIN"), headers=api.desde()
    )
    assert r.status_code == 422
    [error] = r.json()["errors"]
    assert error["campo"] == "perfil"
    assert "ADMIN" not in error["mensaje"].split(":", 1)[1]


@pytest.mark.parametrize(
    ("campo", "largo"), [("nombre", 201), ("organismo", 301), ("area", 301), ("email", 255)]
)
async def test_la_solicitud_publica_acota_cada_texto_y_nombra_el_campo(api, client, campo, largo):
    valor = ("x" * (largo - 17) + "@prueba.sigexp.ar") if campo == "email" else "x" * largo
    r = await client.post(
        "/api/v1/auth/solicitudes-cuenta", json=_solicitud(**{campo: valor}), headers=api.desde()
    )
    assert r.status_code == 422, r.text
    assert [e["campo"] for e in r.json()["errors"]] == [campo]


async def test_un_nombre_de_usuario_mas_largo_que_su_columna_es_422(api, client):
    u = nombre_unico()
    r = await client.post(
        "/api/v1/usuarios",
        json={
            "usuario": u,
            "nombre": "N" * 201,
            "email": f"{u}@prueba.sigexp.invalid",
            "perfil": "AUTORIDAD",
        },
        headers=await api.admin(),
    )
    assert r.status_code == 422
    assert [e["campo"] for e in r.json()["errors"]] == ["nombre"]


async def test_login_fallido_contra_una_cuenta_real_queda_registrado_con_su_id(api, auth_settings):
    cuenta = await api.crear_usuario()
    assert (await api.login(cuenta.email, "Equivocada-0000")).status_code == 401
    async with sesion_db(auth_settings) as db:
        sobres = await db.scalars(
            select(OutboxMessage.envelope).where(
                OutboxMessage.type == audit.AccesoRegistrado.event_type
            )
        )
        fallidos = [
            s["data"]
            for s in sobres
            if s["data"]["accion"] == "auth.login_fallido" and s["data"]["usuario_id"] == cuenta.id
        ]
    assert len(fallidos) == 1
    assert fallidos[0]["detalle"]["causa"] == "password"
    assert fallidos[0]["recurso"] == f"usuario/{cuenta.id}"
