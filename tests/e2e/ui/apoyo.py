"""What the browser tests set up through the API (users, a scanned page) and small waits."""

from __future__ import annotations

import io
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from PIL import Image, ImageDraw, ImageFont

DEMO_PASSWORD = "Demo-Sigexp-2026"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def token(base: str, usuario: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    r = httpx.post(base + "/api/v1/auth/login", json={"usuario": usuario, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def sesion_de(base: str, usuario: str) -> dict:
    """A login done through the API, as the login page keeps it in sessionStorage."""
    r = httpx.post(
        base + "/api/v1/auth/login", json={"usuario": usuario, "password": DEMO_PASSWORD}
    )
    assert r.status_code == 200, r.text
    tokens = r.json()
    cabeceras = {"Authorization": f"Bearer {tokens['access_token']}"}
    yo = httpx.get(base + "/api/v1/auth/me", headers=cabeceras).json()  # as the login page keeps it
    return {
        "access_token": tokens["access_token"],
        "refresh_token": tokens["refresh_token"],
        "yo": yo,
    }


def mesa_id(base: str, cabeceras: dict[str, str], nombre: str) -> str:
    r = httpx.get(base + "/api/v1/catalogo/mesas", headers=cabeceras)
    (mesa,) = [m for m in r.json()["items"] if m["nombre"] == nombre]
    return str(mesa["id"])


def usuario_nuevo(base: str, perfil: str, mesa: str, password: str) -> str:
    """ADMIN creates a user at desk `mesa` with a provisional password; returns its name."""
    admin = token(base, "admin.demo")
    nombre = f"ui{uuid.uuid4().hex[:8]}"
    r = httpx.post(
        base + "/api/v1/usuarios",
        json={
            "usuario": nombre,
            "nombre": f"Prueba UI {nombre}",
            "email": f"{nombre}@ejemplo.sigexp.invalid",
            "perfil": perfil,
            "mesa_id": mesa_id(base, admin, mesa),
            "password_provisoria": password,
        },
        headers=admin,
    )
    assert r.status_code == 201, r.text
    return nombre


def con_password_cambiada(base: str, usuario: str, provisoria: str, nueva: str) -> None:
    r = httpx.post(
        base + "/api/v1/auth/password",
        json={"password_actual": provisoria, "password_nueva": nueva},
        headers=token(base, usuario, provisoria),
    )
    assert r.status_code == 204, r.text


def escaneo(renglones: list[str], ruta: Path) -> Path:
    """A scanned page (PNG, 200 dpi, DejaVu Sans) written to `ruta`."""
    hoja = Image.new("L", (1654, 900), 245)
    dibujo = ImageDraw.Draw(hoja)
    fuente = ImageFont.truetype(str(DEJAVU), 56)
    for i, renglon in enumerate(renglones):
        dibujo.text((120, 150 + i * 110), renglon, fill=25, font=fuente)
    salida = io.BytesIO()
    hoja.save(salida, format="PNG", dpi=(200, 200))
    ruta.write_bytes(salida.getvalue())
    return ruta


def hasta(condicion: Callable[[], Any], plazo: float, que: str, pausa: float = 1.0) -> Any:
    limite = time.monotonic() + plazo
    while True:
        valor = condicion()
        if valor:
            return valor
        if time.monotonic() > limite:
            raise AssertionError(f"{que}: no ocurrió en {plazo:.0f} s")
        time.sleep(pausa)
