"""Brute force: failures slow down only their (account, address) pair, with growing waits
answered as 429 + Retry-After; the account itself locks only at 50 failures in 24 hours, until
a reset; the per-address limit stays."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from auth_ayudas import enlace_de_restablecimiento, ip_al_azar, nombre_unico, sesion_db
from sqlalchemy import select, update

from auth.models import Bloqueo, IntentoLogin
from auth.settings import Settings
from sigexp_common import audit
from sigexp_common.messaging_tables import OutboxMessage

MALA = "Equivocada-0000"


async def _retroceder(settings: Settings, segundos: float, clave: str | None = None) -> None:
    """Time travel: move attempts and locks (of one key, or all) `segundos` into the past."""
    delta = timedelta(seconds=segundos)
    async with sesion_db(settings) as db:
        intentos = update(IntentoLogin).values(en=IntentoLogin.en - delta)
        bloqueos = update(Bloqueo).values(desde=Bloqueo.desde - delta, hasta=Bloqueo.hasta - delta)
        if clave is not None:
            intentos = intentos.where(IntentoLogin.clave == clave)
            bloqueos = bloqueos.where(Bloqueo.clave == clave)
        await db.execute(intentos)
        await db.execute(bloqueos)


async def _registros(settings: Settings, accion: str, **igual: Any) -> list[dict[str, Any]]:
    async with sesion_db(settings) as db:
        sobres = await db.scalars(
            select(OutboxMessage.envelope).where(
                OutboxMessage.type == audit.AccesoRegistrado.event_type
            )
        )
        datos = [s["data"] for s in sobres]
    return [d for d in datos if d["accion"] == accion and all(d[k] == v for k, v in igual.items())]


async def test_tres_fallos_desde_una_direccion_la_demoran_con_retry_after_que_crece(
    api, auth_settings
):
    cuenta = await api.crear_usuario()
    atacante = ip_al_azar()
    for _ in range(3):
        assert (await api.login(cuenta.usuario, MALA, ip=atacante)).status_code == 401
    r = await api.login(cuenta.usuario, cuenta.password, ip=atacante)
    assert r.status_code == 429, "while it must wait, even the right password is not tried"
    assert r.headers["content-type"].startswith("application/problem+json")
    assert 1 <= int(r.headers["Retry-After"]) <= 2
    assert "espere" in r.json()["detail"]
    await _retroceder(auth_settings, 2, f"cuenta:{cuenta.id}")
    assert (await api.login(cuenta.usuario, MALA, ip=atacante)).status_code == 401
    r = await api.login(cuenta.usuario, MALA, ip=atacante)
    assert r.status_code == 429
    assert 3 <= int(r.headers["Retry-After"]) <= 4, "each further failure doubles the wait"
    # The account's owner, from its own address, is not slowed down at all.
    assert (await api.login(cuenta.usuario, cuenta.password)).status_code == 200


async def test_la_password_correcta_desde_otra_direccion_entra_pese_a_los_fallos_ajenos(api):
    cuenta = await api.crear_usuario()
    atacante = ip_al_azar()
    respuestas = [
        (await api.login(cuenta.usuario, MALA, ip=atacante)).status_code for _ in range(10)
    ]
    assert respuestas == [401] * 3 + [429] * 7
    # And an attacker rotating addresses: 40 failures from 20 addresses lock nothing.
    direcciones = [ip_al_azar() for _ in range(20)]
    for i in range(40):
        r = await api.login(cuenta.usuario, MALA, ip=direcciones[i % 20])
        assert r.status_code == 401
    r = await api.login(cuenta.usuario, cuenta.password, ip=ip_al_azar())
    assert r.status_code == 200, r.text


async def test_un_acierto_desde_la_direccion_reinicia_su_demora(api, auth_settings):
    cuenta = await api.crear_usuario()
    ip = ip_al_azar()
    for _ in range(3):
        await api.login(cuenta.usuario, MALA, ip=ip)
    await _retroceder(auth_settings, 2, f"cuenta:{cuenta.id}")
    assert (await api.login(cuenta.usuario, cuenta.password, ip=ip)).status_code == 200
    respuestas = [(await api.login(cuenta.usuario, MALA, ip=ip)).status_code for _ in range(4)]
    assert respuestas == [401, 401, 401, 429]


async def test_usuario_inexistente_se_demora_igual_que_uno_real(api):
    cuenta = await api.crear_usuario()
    fantasma = nombre_unico("fantasma")
    ip = ip_al_azar()
    real = [await api.login(cuenta.usuario, MALA, ip=ip) for _ in range(4)]
    falso = [await api.login(fantasma, MALA, ip=ip) for _ in range(4)]
    assert [r.status_code for r in real] == [r.status_code for r in falso] == [401] * 3 + [429]
    sin_instancia = [
        {k: v for k, v in r.json().items() if k != "instance"} for r in (real[-1], falso[-1])
    ]
    assert sin_instancia[0] == sin_instancia[1]


async def test_cincuenta_fallos_en_24_horas_bloquean_la_cuenta_hasta_restablecer(
    api, client, auth_settings
):
    cuenta = await api.crear_usuario()
    for i in range(50):  # one failure from each of 50 addresses: no pair is slowed down
        r = await api.login(cuenta.usuario, MALA, ip=f"198.18.{i // 200}.{i % 200 + 1}")
        assert r.status_code == 401, (i, r.text)
    r = await api.login(cuenta.usuario, cuenta.password, ip=ip_al_azar())
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 23 * 3600
    assert "Olvidé mi contraseña" in r.json()["detail"]
    # The lock is on the record, under the account, for ADMIN to see in auditoria.
    [bloqueo] = await _registros(auth_settings, "auth.cuenta_bloqueada", usuario_id=cuenta.id)
    assert bloqueo["recurso"] == f"usuario/{cuenta.id}"
    assert bloqueo["detalle"]["fallos"] == 50
    # A successful reset lifts it.
    await client.post(
        "/api/v1/auth/password/olvido", json={"email": cuenta.email}, headers=api.desde()
    )
    token = enlace_de_restablecimiento(await api.esperar_correo(cuenta.email, "restablecer"))
    r = await client.post(
        "/api/v1/auth/password/restablecer",
        json={"token": token, "password_nueva": "Nueva-Clave-Tras-Bloqueo-5"},
    )
    assert r.status_code == 204, r.text
    r = await api.login(cuenta.usuario, "Nueva-Clave-Tras-Bloqueo-5", ip=ip_al_azar())
    assert r.status_code == 200, r.text


async def test_el_bloqueo_de_la_cuenta_vence_a_las_24_horas(api, auth_settings):
    cuenta = await api.crear_usuario()
    for i in range(50):
        await api.login(cuenta.usuario, MALA, ip=f"198.19.{i // 200}.{i % 200 + 1}")
    assert (await api.login(cuenta.usuario, cuenta.password)).status_code == 429
    await _retroceder(auth_settings, 23 * 3600, f"cuenta:{cuenta.id}")
    assert (await api.login(cuenta.usuario, cuenta.password)).status_code == 429
    await _retroceder(auth_settings, 3600, f"cuenta:{cuenta.id}")
    assert (await api.login(cuenta.usuario, cuenta.password)).status_code == 200


async def test_adivinar_la_password_actual_en_el_cambio_cuenta_como_fallo(api, client):
    cuenta = await api.crear_usuario()
    token = await api.token(cuenta.usuario, cuenta.password)
    ip = ip_al_azar()
    cabeceras = {"Authorization": f"Bearer {token}", **api.desde(ip)}
    respuestas = []
    for i in range(4):
        r = await client.post(
            "/api/v1/auth/password",
            json={"password_actual": f"Adivinada-{i}-000", "password_nueva": "Otra-Clave-77-Zeta"},
            headers=cabeceras,
        )
        respuestas.append(r.status_code)
    assert respuestas == [422, 422, 422, 429]
    assert int(r.headers["Retry-After"]) >= 1
    # The same (account, address) pair is slowed down for logins too; other addresses are not.
    assert (await api.login(cuenta.usuario, cuenta.password, ip=ip)).status_code == 429
    assert (await api.login(cuenta.usuario, cuenta.password)).status_code == 200


async def test_limite_por_direccion_bloquea_la_ip_y_no_otras(api):
    ip = ip_al_azar()
    # 30 failures spread over 10 names (3 each: no pair is slowed down).
    for i in range(30):
        r = await api.login(f"{nombre_unico('ip')}-{i % 10}", MALA, ip=ip)
        assert r.status_code == 401
    cuenta = await api.crear_usuario()
    r = await api.login(cuenta.usuario, cuenta.password, ip=ip)
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 14 * 60
    assert (await api.login(cuenta.usuario, cuenta.password, ip=ip_al_azar())).status_code == 200
