"""Brute force: 5 failures in 15 minutes lock the account for 15 minutes; per-address limit."""

from __future__ import annotations

from datetime import timedelta

from auth_ayudas import ip_al_azar, nombre_unico, sesion_db
from sqlalchemy import update

from auth.models import Bloqueo, IntentoLogin
from auth.settings import Settings


async def _retroceder(settings: Settings, minutos: int) -> None:
    """Time travel: move every attempt and lock `minutos` into the past."""
    delta = timedelta(minutes=minutos)
    async with sesion_db(settings) as db:
        await db.execute(update(IntentoLogin).values(en=IntentoLogin.en - delta))
        await db.execute(
            update(Bloqueo).values(desde=Bloqueo.desde - delta, hasta=Bloqueo.hasta - delta)
        )


async def test_cinco_fallos_bloquean_la_cuenta_15_minutos_con_mensaje_y_retry_after(
    api, auth_settings
):
    cuenta = await api.crear_usuario()
    for _ in range(5):
        r = await api.login(cuenta.usuario, "Equivocada-0000")
        assert r.status_code == 401
    # From another address and with the right password: the account itself is locked.
    r = await api.login(cuenta.usuario, cuenta.password)
    assert r.status_code == 429
    assert 14 * 60 < int(r.headers["Retry-After"]) <= 15 * 60
    assert r.headers["content-type"].startswith("application/problem+json")
    detalle = r.json()["detail"]
    assert "intente nuevamente a partir de las" in detalle
    assert "15 minutos" in detalle


async def test_el_bloqueo_termina_a_los_15_minutos(api, auth_settings):
    cuenta = await api.crear_usuario()
    for _ in range(5):
        await api.login(cuenta.usuario, "Equivocada-0000")
    assert (await api.login(cuenta.usuario, cuenta.password)).status_code == 429
    await _retroceder(auth_settings, 14)
    assert (await api.login(cuenta.usuario, cuenta.password)).status_code == 429
    await _retroceder(auth_settings, 1)
    r = await api.login(cuenta.usuario, cuenta.password)
    assert r.status_code == 200, r.text
    # After the lock the count starts again: one more failure does not lock.
    assert (await api.login(cuenta.usuario, "Equivocada-0000")).status_code == 401
    assert (await api.login(cuenta.usuario, cuenta.password)).status_code == 200


async def test_cuatro_fallos_y_un_acierto_no_bloquean(api):
    cuenta = await api.crear_usuario()
    for _ in range(4):
        await api.login(cuenta.usuario, "Equivocada-0000")
    assert (await api.login(cuenta.usuario, cuenta.password)).status_code == 200
    for _ in range(4):
        await api.login(cuenta.usuario, "Equivocada-0000")
    assert (await api.login(cuenta.usuario, cuenta.password)).status_code == 200


async def test_fallos_fuera_de_la_ventana_no_cuentan(api, auth_settings):
    cuenta = await api.crear_usuario()
    for _ in range(4):
        await api.login(cuenta.usuario, "Equivocada-0000")
    await _retroceder(auth_settings, 16)
    await api.login(cuenta.usuario, "Equivocada-0000")
    assert (await api.login(cuenta.usuario, cuenta.password)).status_code == 200


async def test_usuario_inexistente_se_bloquea_igual_que_uno_real(api):
    fantasma = nombre_unico("fantasma")
    respuestas = [(await api.login(fantasma, "Equivocada-0000")).status_code for _ in range(6)]
    assert respuestas == [401] * 5 + [429]


async def test_limite_por_direccion_bloquea_la_ip_y_no_otras(api):
    ip = ip_al_azar()
    # 30 failures spread over 10 names (3 each: no account reaches its own limit).
    for i in range(30):
        r = await api.login(f"{nombre_unico('ip')}-{i % 10}", "Equivocada-0000", ip=ip)
        assert r.status_code == 401
    cuenta = await api.crear_usuario()
    r = await api.login(cuenta.usuario, cuenta.password, ip=ip)
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 14 * 60
    assert (await api.login(cuenta.usuario, cuenta.password, ip=ip_al_azar())).status_code == 200
