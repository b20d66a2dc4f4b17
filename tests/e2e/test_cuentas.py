"""An account's life through the gateway, as a new clerk lives it: created by ADMIN, the
provisional password arrives by e-mail, every service refuses work until it is changed."""

from __future__ import annotations

import re
import time
import uuid
from typing import TYPE_CHECKING

import httpx

from sigexp_testing.mailcatcher import body_text, read_mails

if TYPE_CHECKING:
    from conftest import Sistema


def _token(sistema: Sistema, usuario: str, password: str) -> httpx.Response:
    return httpx.post(
        sistema.gateway + "/api/v1/auth/login", json={"usuario": usuario, "password": password}
    )


def _correo_con_password(sistema: Sistema, email: str) -> str:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        for mensaje in read_mails(sistema.mail_dir, to=email):
            encontrada = re.search(r"contraseña provisoria es: (\S+)", body_text(mensaje))
            if encontrada:
                return encontrada.group(1)
        time.sleep(0.2)
    raise AssertionError(f"no provisional password mailed to {email}")


def test_alta_de_usuario_por_admin_hasta_su_primer_expediente(sistema: Sistema) -> None:
    admin = _token(sistema, "admin.demo", "Demo-Sigexp-2026").json()["access_token"]
    como_admin = {"Authorization": f"Bearer {admin}"}
    mesas = httpx.get(
        sistema.gateway + "/api/v1/catalogo/mesas", params={"q": "CAP"}, headers=como_admin
    ).json()["items"]
    usuario = f"nuevo{uuid.uuid4().hex[:6]}"
    email = f"{usuario}@ejemplo.sigexp.invalid"
    alta = httpx.post(
        sistema.gateway + "/api/v1/usuarios",
        json={
            "usuario": usuario,
            "nombre": "Clerk Nuevo",
            "email": email,
            "perfil": "MESA_ENTRADA",
            "mesa_id": mesas[0]["id"],
        },
        headers=como_admin,
    )
    assert alta.status_code == 201, alta.text

    provisoria = _correo_con_password(sistema, email)
    primera = _token(sistema, usuario, provisoria).json()
    assert primera["debe_cambiar_password"] is True
    provisorio = {"Authorization": f"Bearer {primera['access_token']}"}
    for metodo, ruta in (
        ("GET", "/api/v1/expedientes"),
        ("POST", "/api/v1/expedientes"),
        ("GET", "/api/v1/catalogo/mesas"),
    ):
        r = httpx.request(
            metodo, sistema.gateway + ruta, json={"extracto": "x"}, headers=provisorio
        )
        assert r.status_code == 403, (ruta, r.text)
        assert "contraseña provisoria" in r.json()["detail"]

    nueva = "Cedro-Lluvia-Tractor-82"
    cambio = httpx.post(
        sistema.gateway + "/api/v1/auth/password",
        json={"password_actual": provisoria, "password_nueva": nueva},
        headers=provisorio,
    )
    assert cambio.status_code == 204, cambio.text
    assert _token(sistema, usuario, provisoria).status_code == 401

    definitiva = _token(sistema, usuario, nueva).json()
    assert definitiva["debe_cambiar_password"] is False
    headers = {"Authorization": f"Bearer {definitiva['access_token']}"}
    expediente = httpx.post(
        sistema.gateway + "/api/v1/expedientes",
        json={"extracto": "Primer expediente del nuevo clerk"},
        headers=headers,
    )
    assert expediente.status_code == 201, expediente.text
    assert expediente.json()["iniciado_por_usuario"] == usuario
