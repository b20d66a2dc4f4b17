"""Auth's session routes (sign in, refresh, sign out, own password, forgotten password and its
reset, account requests) and the gateway's own token refusals, each leaving exactly its record.

The forgotten-password and account-request routes are sent from addresses of their own: auth
limits them (and failed logins) per client address, and other e2e tests spend 127.0.0.1's."""

from __future__ import annotations

import re
import time
import uuid

from recorrido_auditado import DENEGADO, PERFILES, Esperado, Recorrido

from sigexp_testing.mailcatcher import body_text, read_mails

DIRECCION_OLVIDO = "127.0.0.21"
DIRECCION_SOLICITUD = "127.0.0.22"


def _cuenta_nueva(walk: Recorrido, password: str) -> dict[str, str]:
    nombre = f"auditada{uuid.uuid4().hex[:8]}"
    cuerpo = {
        "usuario": nombre,
        "nombre": "Cuenta Auditada",
        "email": f"{nombre}@ejemplo.sigexp.invalid",
        "perfil": "CONSULTA",
        "mesa_id": walk.cuentas["mesa.cap"].mesa_id,
        "password_provisoria": password,
    }
    walk.pedir(
        "admin.demo", "POST", "/api/v1/usuarios", 201, Esperado("usuario.crear"), json=cuerpo
    )
    return cuerpo


def _enlace(walk: Recorrido, email: str) -> str:
    limite = time.monotonic() + 20
    while time.monotonic() < limite:
        for mensaje in read_mails(walk.sistema.mail_dir, to=email):
            if encontrado := re.search(r"restablecer\?token=([A-Za-z0-9_-]+)", body_text(mensaje)):
                return encontrado.group(1)
        time.sleep(0.2)
    raise AssertionError(f"no reset link mailed to {email}")


def test_cada_ruta_de_sesion_deja_su_registro(recorrido: Recorrido) -> None:
    walk = recorrido
    walk.pedir(
        None,
        "POST",
        "/api/v1/auth/login",
        401,
        Esperado("auth.login_fallido", DENEGADO, usuario="consulta.sgg"),
        json={"usuario": "consulta.sgg", "password": "no-es-la-clave"},
    )
    for usuario in PERFILES.values():
        walk.pedir(usuario, "GET", "/api/v1/auth/me", 200)  # SIN_REGISTRO
    walk.pedir(None, "GET", "/.well-known/jwks.json", 200)  # SIN_REGISTRO
    cuerpo = _cuenta_nueva(walk, "Provisoria-Auditada-2026")
    nombre = cuerpo["usuario"]
    # The new account: first login, the provisional password's gate, the change, refresh, logout.
    nueva = walk.entrar(nombre, "Provisoria-Auditada-2026")
    walk.pedir(nombre, "GET", "/api/v1/expedientes", 403, Esperado("expedientes.buscar", DENEGADO))
    walk.pedir(  # a wrong current password: a guess, refused and recorded
        nombre,
        "POST",
        "/api/v1/auth/password",
        422,
        Esperado("auth.password_cambiar", DENEGADO),
        json={"password_actual": "No-Es-La-Actual-2026", "password_nueva": "Nueva-Clave-2026!x"},
    )
    walk.pedir(
        nombre,
        "POST",
        "/api/v1/auth/password",
        204,
        Esperado("auth.password_cambiar"),
        json={
            "password_actual": "Provisoria-Auditada-2026",
            "password_nueva": "Nueva-Clave-2026!x",
        },
    )
    nueva = walk.entrar(nombre, "Nueva-Clave-2026!x")
    walk.pedir(
        None,
        "POST",
        "/api/v1/auth/refresh",
        200,
        Esperado("auth.refresh", usuario=nombre),
        json={"refresh_token": nueva.refresh},
    )
    walk.pedir(  # the spent refresh token again: a known user's 401 (and its family revoked)
        None,
        "POST",
        "/api/v1/auth/refresh",
        401,
        Esperado("auth.refresh_reutilizado", DENEGADO, usuario=nombre),
        json={"refresh_token": nueva.refresh},
    )
    otra = walk.entrar(nombre, "Nueva-Clave-2026!x")
    walk.pedir(
        nombre,
        "POST",
        "/api/v1/auth/logout",
        204,
        Esperado("auth.logout"),
        json={"refresh_token": otra.refresh},
    )
    walk.comprobar()


def test_olvido_y_restablecimiento_dejan_su_registro(recorrido: Recorrido) -> None:
    walk = recorrido
    cuerpo = _cuenta_nueva(walk, "Provisoria-Olvidada-2026")
    nombre, email = cuerpo["usuario"], cuerpo["email"]
    walk.pedir(
        None,
        "POST",
        "/api/v1/auth/password/olvido",
        202,
        Esperado("auth.password_olvido", usuario=nombre),
        ip=DIRECCION_OLVIDO,
        json={"email": email},
    )
    token = _enlace(walk, email)
    restablecer = {"token": token, "password_nueva": "Restablecida-2026!x"}
    walk.pedir(
        None,
        "POST",
        "/api/v1/auth/password/restablecer",
        204,
        Esperado("auth.password_restablecer", usuario=nombre),
        ip=DIRECCION_OLVIDO,
        json=restablecer,
    )
    walk.pedir(  # the spent link again: refused, on the record of the account it was for
        None,
        "POST",
        "/api/v1/auth/password/restablecer",
        400,
        Esperado("auth.password_restablecer", DENEGADO, usuario=nombre),
        ip=DIRECCION_OLVIDO,
        json=restablecer,
    )
    walk.pedir(  # a made-up link: nobody to record
        None,
        "POST",
        "/api/v1/auth/password/restablecer",
        400,
        ip=DIRECCION_OLVIDO,
        json={"token": "no-es-un-enlace", "password_nueva": "Restablecida-2026!x"},
    )
    walk.entrar(nombre, "Restablecida-2026!x", ip=DIRECCION_OLVIDO)
    solicitante = f"pide{uuid.uuid4().hex[:6]}@ejemplo.sigexp.invalid"
    walk.pedir(
        None,
        "POST",
        "/api/v1/auth/solicitudes-cuenta",
        202,
        Esperado("solicitud_cuenta.crear", usuario=solicitante),  # who asks, by their e-mail
        ip=DIRECCION_SOLICITUD,
        json={
            "nombre": "Persona Solicitante",
            "email": solicitante,
            "organismo": "CAP",
            "area": "Despacho",
            "perfil": "CONSULTA",
        },
    )
    walk.comprobar()


def test_el_gateway_registra_los_tokens_que_rechaza(recorrido: Recorrido) -> None:
    walk = recorrido
    cabeza, cuerpo, firma = walk.cuentas["mesa.cap"].token.split(".")
    walk.pedir(
        None,
        "GET",
        "/api/v1/expedientes",
        401,
        Esperado("auth.token_rechazado", DENEGADO, usuario=None),
        token=f"{cabeza}.{cuerpo}.{firma[:-4]}AAAA",
    )
    walk.pedir(
        None,
        "GET",
        "/api/v1/expedientes",
        401,
        Esperado("auth.token_rechazado", DENEGADO, usuario=None),
        token="esto-no-es-un-token",
    )
    walk.pedir(None, "GET", "/api/v1/expedientes", 401)  # no token at all: nobody to record
    walk.comprobar()
