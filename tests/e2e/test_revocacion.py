"""Revoked sessions (issue 9, finding 2): after deactivation, demotion, a desk change, a password
change or reset, logout or refresh-token reuse, the user's earlier access tokens are refused
within 2 seconds at the gateway and directly at a service's own port, while a token issued
afterwards works; a service that cannot be sure of the list refuses writes (503), never reads."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from sigexp_testing.infra import free_port, wait_until_ready
from sigexp_testing.mailcatcher import body_text, read_mails
from sigexp_testing.tcp_proxy import TcpProxy

if TYPE_CHECKING:
    from conftest import Sistema

PLAZO = 2.0  # seconds: the rule
PASSWORD = "Roble-Viento-Cosecha-47"
OTRA_PASSWORD = "Nogal-Marea-Tractor-58"
ADMIN_DEMO = ("admin.demo", "Demo-Sigexp-2026")


@dataclass
class Cuenta:
    id: str
    usuario: str
    email: str
    password: str


def _login(sistema: Sistema, usuario: str, password: str) -> dict[str, str]:
    r = httpx.post(
        sistema.gateway + "/api/v1/auth/login", json={"usuario": usuario, "password": password}
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _admin(sistema: Sistema) -> dict[str, str]:
    return _bearer(_login(sistema, *ADMIN_DEMO)["access_token"])


def _mesas(sistema: Sistema) -> list[dict[str, str]]:
    r = httpx.get(
        sistema.gateway + "/api/v1/catalogo/mesas", params={"q": "Mesa"}, headers=_admin(sistema)
    )
    return list(r.json()["items"])


def _nueva_cuenta(sistema: Sistema) -> Cuenta:
    """A desk clerk of CAP, past the first password change, ready to work."""
    usuario = f"rev{uuid.uuid4().hex[:8]}"
    email = f"{usuario}@ejemplo.sigexp.invalid"
    provisoria = "Provisoria-Tilo-2026-9"
    alta = httpx.post(
        sistema.gateway + "/api/v1/usuarios",
        json={
            "usuario": usuario,
            "nombre": "Clerk Revocable",
            "email": email,
            "perfil": "MESA_ENTRADA",
            "mesa_id": _mesas(sistema)[0]["id"],
            "password_provisoria": provisoria,
        },
        headers=_admin(sistema),
    )
    assert alta.status_code == 201, alta.text
    primera = _login(sistema, usuario, provisoria)["access_token"]
    cambio = httpx.post(
        sistema.gateway + "/api/v1/auth/password",
        json={"password_actual": provisoria, "password_nueva": PASSWORD},
        headers=_bearer(primera),
    )
    assert cambio.status_code == 204, cambio.text
    return Cuenta(alta.json()["id"], usuario, email, PASSWORD)


def _lugares(sistema: Sistema) -> dict[str, str]:
    """The same read, through the gateway and straight at expedientes' own port."""
    return {
        "gateway": sistema.gateway + "/api/v1/expedientes",
        "expedientes": sistema.url("expedientes") + "/api/v1/expedientes",
    }


def _funciona(sistema: Sistema, token: str) -> None:
    for lugar, url in _lugares(sistema).items():
        r = httpx.get(url, params={"limit": 1}, headers=_bearer(token))
        assert r.status_code == 200, (lugar, r.text)


def _rechazado_en(sistema: Sistema, token: str, desde: float) -> dict[str, float]:
    """Seconds from `desde` until each place answers 401 to `token` (up to 5 s of polling)."""
    pendientes = _lugares(sistema)
    vistos: dict[str, float] = {}
    while pendientes and time.monotonic() - desde < 5:
        for lugar, url in list(pendientes.items()):
            r = httpx.get(url, params={"limit": 1}, headers=_bearer(token))
            if r.status_code == 401:
                vistos[lugar] = time.monotonic() - desde
                assert "Inicie sesión nuevamente" in r.json()["detail"], r.text
                del pendientes[lugar]
            else:
                assert r.status_code == 200, (lugar, r.text)
        time.sleep(0.05)
    assert not pendientes, f"still accepted after 5 s at {sorted(pendientes)}"
    return vistos


def _exigir_rechazo(sistema: Sistema, token: str, desde: float) -> None:
    vistos = _rechazado_en(sistema, token, desde)
    print(f"revocation seen after {vistos}")  # the figures, with -s
    assert all(segundos <= PLAZO for segundos in vistos.values()), vistos
    escritura = httpx.post(
        sistema.url("expedientes") + "/api/v1/expedientes",
        json={"extracto": "No debe crearse", "tomos": 1, "fojas": 1},
        headers=_bearer(token),
    )
    assert escritura.status_code == 401, escritura.text


def _patch(sistema: Sistema, cuenta: Cuenta, cambios: dict[str, object]) -> float:
    r = httpx.patch(
        sistema.gateway + f"/api/v1/usuarios/{cuenta.id}", json=cambios, headers=_admin(sistema)
    )
    assert r.status_code == 200, r.text
    return time.monotonic()


def test_token_de_usuario_desactivado_es_rechazado_en_2s(sistema: Sistema) -> None:
    cuenta = _nueva_cuenta(sistema)
    viejo = _login(sistema, cuenta.usuario, cuenta.password)["access_token"]
    _funciona(sistema, viejo)
    _exigir_rechazo(sistema, viejo, _patch(sistema, cuenta, {"activo": False}))
    _patch(sistema, cuenta, {"activo": True})
    _funciona(sistema, _login(sistema, cuenta.usuario, cuenta.password)["access_token"])


@pytest.mark.parametrize("cambio", ["perfil", "mesa"])
def test_token_de_usuario_degradado_o_cambiado_de_mesa_es_rechazado_en_2s(
    sistema: Sistema, cambio: str
) -> None:
    cuenta = _nueva_cuenta(sistema)
    viejo = _login(sistema, cuenta.usuario, cuenta.password)["access_token"]
    _funciona(sistema, viejo)
    cambios: dict[str, object] = (
        {"perfil": "CONSULTA"} if cambio == "perfil" else {"mesa_id": _mesas(sistema)[1]["id"]}
    )
    _exigir_rechazo(sistema, viejo, _patch(sistema, cuenta, cambios))
    _funciona(sistema, _login(sistema, cuenta.usuario, cuenta.password)["access_token"])


def test_token_anterior_a_un_cambio_de_password_es_rechazado_en_2s(sistema: Sistema) -> None:
    cuenta = _nueva_cuenta(sistema)
    viejo = _login(sistema, cuenta.usuario, cuenta.password)["access_token"]
    _funciona(sistema, viejo)
    r = httpx.post(
        sistema.gateway + "/api/v1/auth/password",
        json={"password_actual": cuenta.password, "password_nueva": OTRA_PASSWORD},
        headers=_bearer(viejo),
    )
    assert r.status_code == 204, r.text
    _exigir_rechazo(sistema, viejo, time.monotonic())
    _funciona(sistema, _login(sistema, cuenta.usuario, OTRA_PASSWORD)["access_token"])


def _enlace_de_restablecimiento(sistema: Sistema, email: str) -> str:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        for mensaje in read_mails(sistema.mail_dir, to=email):
            encontrado = re.search(r"restablecer\?token=([A-Za-z0-9_-]+)", body_text(mensaje))
            if encontrado:
                return encontrado.group(1)
        time.sleep(0.2)
    raise AssertionError(f"no reset link mailed to {email}")


def test_token_anterior_a_un_restablecimiento_es_rechazado_en_2s(sistema: Sistema) -> None:
    cuenta = _nueva_cuenta(sistema)
    viejo = _login(sistema, cuenta.usuario, cuenta.password)["access_token"]
    _funciona(sistema, viejo)
    olvido = httpx.post(
        sistema.gateway + "/api/v1/auth/password/olvido", json={"email": cuenta.email}
    )
    assert olvido.status_code == 202, olvido.text
    enlace = _enlace_de_restablecimiento(sistema, cuenta.email)
    r = httpx.post(
        sistema.gateway + "/api/v1/auth/password/restablecer",
        json={"token": enlace, "password_nueva": OTRA_PASSWORD},
    )
    assert r.status_code == 204, r.text
    _exigir_rechazo(sistema, viejo, time.monotonic())
    _funciona(sistema, _login(sistema, cuenta.usuario, OTRA_PASSWORD)["access_token"])


def _logout(sistema: Sistema, par: dict[str, str]) -> None:
    r = httpx.post(
        sistema.gateway + "/api/v1/auth/logout",
        json={"refresh_token": par["refresh_token"]},
        headers=_bearer(par["access_token"]),
    )
    assert r.status_code == 204, r.text


def test_token_anterior_a_un_logout_es_rechazado_en_2s(sistema: Sistema) -> None:
    cuenta = _nueva_cuenta(sistema)
    par = _login(sistema, cuenta.usuario, cuenta.password)
    otro_dispositivo = _login(sistema, cuenta.usuario, cuenta.password)["access_token"]
    _funciona(sistema, par["access_token"])
    _logout(sistema, par)
    desde = time.monotonic()
    _exigir_rechazo(sistema, par["access_token"], desde)
    _exigir_rechazo(sistema, otro_dispositivo, desde)  # logout voids every earlier token
    _funciona(sistema, _login(sistema, cuenta.usuario, cuenta.password)["access_token"])


def _refresh(sistema: Sistema, refresh_token: str) -> httpx.Response:
    return httpx.post(
        sistema.gateway + "/api/v1/auth/refresh", json={"refresh_token": refresh_token}
    )


def test_reusar_un_refresh_gastado_anula_los_tokens_en_2s(sistema: Sistema) -> None:
    cuenta = _nueva_cuenta(sistema)
    par = _login(sistema, cuenta.usuario, cuenta.password)
    rotado = _refresh(sistema, par["refresh_token"])
    assert rotado.status_code == 200, rotado.text
    nuevo = rotado.json()["access_token"]
    _funciona(sistema, nuevo)
    assert _refresh(sistema, par["refresh_token"]).status_code == 401  # spent: a thief's reuse
    desde = time.monotonic()
    _exigir_rechazo(sistema, nuevo, desde)
    _exigir_rechazo(sistema, par["access_token"], desde)
    _funciona(sistema, _login(sistema, cuenta.usuario, cuenta.password)["access_token"])


def test_un_servicio_reiniciado_carga_las_revocaciones_que_hubo_mientras_no_estaba(
    sistema: Sistema,
) -> None:
    cuenta = _nueva_cuenta(sistema)
    par = _login(sistema, cuenta.usuario, cuenta.password)
    _funciona(sistema, par["access_token"])
    sistema.stop("expedientes")
    try:
        _logout(sistema, par)  # expedientes is down: its queue of revocations is gone
    finally:
        sistema.start("expedientes")
    r = httpx.get(
        sistema.url("expedientes") + "/api/v1/expedientes", headers=_bearer(par["access_token"])
    )
    assert r.status_code == 401, r.text
    _funciona(sistema, _login(sistema, cuenta.usuario, cuenta.password)["access_token"])


# --- fail closed: a second expedientes process whose broker goes through a cuttable proxy


def _por_el_proxy(amqp_url: str, proxy_port: int) -> str:
    parts = urlsplit(amqp_url)
    netloc = f"{parts.username}:{parts.password}@127.0.0.1:{proxy_port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


async def _hasta(condicion: Callable[[], Awaitable[bool]], plazo: float = 20.0) -> float:
    inicio = time.monotonic()
    while not await condicion():
        assert time.monotonic() - inicio < plazo, "condition not met in time"
        await asyncio.sleep(0.05)
    return time.monotonic() - inicio


def _lanzar_expedientes(
    sistema: Sistema, env: dict[str, str], port: int
) -> subprocess.Popen[bytes]:
    with (sistema.logs / "expedientes-proxy.log").open("ab") as salida:
        return subprocess.Popen(
            [sys.executable, "-m", "expedientes", "serve", "--port", str(port)],
            env=env,
            stdout=salida,
            stderr=subprocess.STDOUT,
        )


async def test_sin_suscripcion_una_escritura_es_503_y_una_lectura_sigue(
    sistema: Sistema,
) -> None:
    amqp = urlsplit(sistema.env["EXPEDIENTES_AMQP_URL"])
    proxy = TcpProxy(amqp.hostname or "127.0.0.1", amqp.port or 5672, free_port())
    await proxy.start()
    port = free_port()
    env = {
        **sistema.env,
        "EXPEDIENTES_AMQP_URL": _por_el_proxy(sistema.env["EXPEDIENTES_AMQP_URL"], proxy.port),
        "EXPEDIENTES_RUN_RELAY": "false",  # sistema's own expedientes relays and consumes
        "EXPEDIENTES_RUN_CONSUMERS": "false",
        "EXPEDIENTES_MIGRATE_ON_START": "false",
    }
    proceso = _lanzar_expedientes(sistema, env, port)
    base = f"http://127.0.0.1:{port}"
    try:
        await asyncio.to_thread(wait_until_ready, base, proceso)
        token = _bearer(_login(sistema, "mesa.cap", "Demo-Sigexp-2026")["access_token"])
        async with httpx.AsyncClient(base_url=base, headers=token) as cliente:

            async def escribe() -> int:
                r = await cliente.post("/api/v1/expedientes", json={})
                return r.status_code

            async def al_dia() -> bool:
                r = await cliente.get("/metrics")
                return "sigexp_revocaciones_al_dia 1.0" in r.text

            await _hasta(al_dia)
            assert await escribe() == 422  # past the wall: only the empty body is wrong

            await proxy.cut()
            await _hasta(lambda: _es(escribe, 503), plazo=5)
            r = await cliente.post("/api/v1/expedientes", json={})
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.headers["retry-after"] == "2"
            assert "no se aceptan cambios" in r.json()["detail"]
            lectura = await cliente.get("/api/v1/expedientes", params={"limit": 1})
            assert lectura.status_code == 200, lectura.text

            await proxy.start()  # back: writes wait for the reload, then go on
            segundos = await _hasta(lambda: _es(escribe, 422), plazo=10)
            print(f"writes accepted again {segundos:.2f} s after the broker came back")
    finally:
        proceso.terminate()
        await asyncio.to_thread(proceso.wait, 15)
        await proxy.cut()


async def _es(consulta: Callable[[], Awaitable[int]], estado: int) -> bool:
    return await consulta() == estado


def test_la_lista_de_revocaciones_no_se_sirve_por_el_gateway(sistema: Sistema) -> None:
    assert httpx.get(sistema.gateway + "/internal/revocaciones").status_code == 404
    directa = httpx.get(sistema.url("auth") + "/internal/revocaciones")
    assert directa.status_code == 200, directa.text
    assert directa.json()["vigencia_segundos"] == 15 * 60
