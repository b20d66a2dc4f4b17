"""Provisional password, forced change, policy, forgot/reset by e-mail link."""

from __future__ import annotations

import unicodedata
from datetime import timedelta

from auth_ayudas import PASSWORD_BUENA, enlace_de_restablecimiento, nombre_unico, sesion_db, texto
from sqlalchemy import select, update

from auth.models import Cuenta as CuentaDb
from auth.models import TokenRestablecimiento
from auth.service import passwords
from auth.service.comun import sha256_hex


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_password_provisoria_obliga_a_cambiarla_antes_de_todo(api, client):
    cuenta = await api.crear_usuario(activar=False)
    r = await api.login(cuenta.usuario, cuenta.password)
    assert r.status_code == 200
    assert r.json()["debe_cambiar_password"] is True
    token = r.json()["access_token"]
    # Every other route answers 403 with a clear Spanish message.
    r = await client.get("/api/v1/catalogo/tipos", headers=_bearer(token))
    assert r.status_code == 403
    assert "Debe cambiar su contraseña provisoria" in r.json()["detail"]
    # /me and /password are allowed.
    me = await client.get("/api/v1/auth/me", headers=_bearer(token))
    assert me.status_code == 200
    assert me.json()["debe_cambiar_password"] is True
    r = await client.post(
        "/api/v1/auth/password",
        json={"password_actual": cuenta.password, "password_nueva": PASSWORD_BUENA},
        headers=_bearer(token),
    )
    assert r.status_code == 204, r.text
    r = await api.login(cuenta.usuario, PASSWORD_BUENA)
    assert r.json()["debe_cambiar_password"] is False
    tipos = await client.get("/api/v1/catalogo/tipos", headers=_bearer(r.json()["access_token"]))
    assert tipos.status_code == 200


async def test_password_generada_llega_por_correo_y_sirve_una_vez_cambiada(api, client):
    mesas = await api.mesas()
    usuario = "gen" + mesas["CAP-MESA"]["id"][:6]
    email = f"{usuario}@prueba.sigexp.invalid"
    r = await client.post(
        "/api/v1/usuarios",
        json={
            "usuario": usuario,
            "nombre": "Persona Generada",
            "email": email,
            "perfil": "CARGA",
            "mesa_id": mesas["CAP-MESA"]["id"],
        },
        headers=await api.admin(),
    )
    assert r.status_code == 201, r.text
    assert r.json()["debe_cambiar_password"] is True
    correo = await api.esperar_correo(email, "su cuenta fue creada")
    cuerpo = texto(correo)
    provisoria = cuerpo.split("Su contraseña provisoria es: ", 1)[1].split()[0]
    login = await api.login(usuario, provisoria)
    assert login.status_code == 200
    assert login.json()["debe_cambiar_password"] is True


async def test_politica_de_password_rechaza_corta_comun_y_con_el_usuario(api, client):
    cuenta = await api.crear_usuario()
    token = await api.token(cuenta.usuario, cuenta.password)
    casos = {
        "Corta-1": "al menos 10 caracteres",
        "password123": "demasiado común",
        f"X-{cuenta.usuario}-2030": "nombre de usuario",
    }
    for nueva, esperado in casos.items():
        r = await client.post(
            "/api/v1/auth/password",
            json={"password_actual": cuenta.password, "password_nueva": nueva},
            headers=_bearer(token),
        )
        assert r.status_code == 422, nueva
        errores = r.json()["errors"]
        assert errores[0]["campo"] == "password_nueva"
        assert esperado in errores[0]["mensaje"]


async def test_password_actual_incorrecta_es_422(api, client):
    cuenta = await api.crear_usuario()
    token = await api.token(cuenta.usuario, cuenta.password)
    r = await client.post(
        "/api/v1/auth/password",
        json={"password_actual": "no-es-esta-1234", "password_nueva": "Otra-Clave-Segura-2030"},
        headers=_bearer(token),
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["campo"] == "password_actual"


async def test_olvido_siempre_202_y_solo_envia_a_cuentas_conocidas(api, client):
    desconocido = "nadie-aqui@prueba.sigexp.invalid"
    r = await client.post(
        "/api/v1/auth/password/olvido", json={"email": desconocido}, headers=api.desde()
    )
    assert r.status_code == 202
    cuenta = await api.crear_usuario()
    r2 = await client.post(
        "/api/v1/auth/password/olvido", json={"email": cuenta.email}, headers=api.desde()
    )
    assert r2.status_code == 202
    assert r.json() == r2.json()
    await api.esperar_correo(cuenta.email, "restablecer")
    assert api.correos(desconocido) == []


async def test_enlace_del_correo_restablece_y_es_de_un_solo_uso(api, client):
    cuenta = await api.crear_usuario()
    sesion = (await api.login(cuenta.usuario, cuenta.password)).json()
    await client.post(
        "/api/v1/auth/password/olvido", json={"email": cuenta.email}, headers=api.desde()
    )
    correo = await api.esperar_correo(cuenta.email, "restablecer")
    assert "30 minutos" in texto(correo)
    token = enlace_de_restablecimiento(correo)
    r = await client.post(
        "/api/v1/auth/password/restablecer",
        json={"token": token, "password_nueva": "Nueva-Clave-Restablecida-9"},
    )
    assert r.status_code == 204, r.text
    assert (await api.login(cuenta.usuario, "Nueva-Clave-Restablecida-9")).status_code == 200
    assert (await api.login(cuenta.usuario, cuenta.password)).status_code == 401
    # The reset ended the existing sessions.
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": sesion["refresh_token"]})
    assert r.status_code == 401
    # Single use.
    r = await client.post(
        "/api/v1/auth/password/restablecer",
        json={"token": token, "password_nueva": "Tercera-Clave-Distinta-7"},
    )
    assert r.status_code == 400
    assert "ya fue usado o venció" in r.json()["detail"]


async def test_enlace_vencido_es_400(api, client, auth_settings):
    cuenta = await api.crear_usuario()
    await client.post(
        "/api/v1/auth/password/olvido", json={"email": cuenta.email}, headers=api.desde()
    )
    token = enlace_de_restablecimiento(await api.esperar_correo(cuenta.email, "restablecer"))
    async with sesion_db(auth_settings) as db:
        await db.execute(
            update(TokenRestablecimiento)
            .where(TokenRestablecimiento.usuario_id == cuenta.id)
            .values(
                creado_en=TokenRestablecimiento.creado_en - timedelta(minutes=31),
                expira_en=TokenRestablecimiento.expira_en - timedelta(minutes=31),
            )
        )
    r = await client.post(
        "/api/v1/auth/password/restablecer",
        json={"token": token, "password_nueva": "Nueva-Clave-Restablecida-9"},
    )
    assert r.status_code == 400
    assert (await api.login(cuenta.usuario, cuenta.password)).status_code == 200


async def test_token_de_restablecimiento_se_guarda_hasheado_y_vence_a_los_30_minutos(
    api, client, auth_settings
):
    cuenta = await api.crear_usuario()
    await client.post(
        "/api/v1/auth/password/olvido", json={"email": cuenta.email}, headers=api.desde()
    )
    token = enlace_de_restablecimiento(await api.esperar_correo(cuenta.email, "restablecer"))
    async with sesion_db(auth_settings) as db:
        filas = (
            await db.scalars(
                select(TokenRestablecimiento).where(TokenRestablecimiento.usuario_id == cuenta.id)
            )
        ).all()
    assert len(filas) == 1
    assert filas[0].token_hash == sha256_hex(token)
    vigencia = filas[0].expira_en - filas[0].creado_en
    assert timedelta(minutes=29) < vigencia <= timedelta(minutes=30, seconds=5)
    # The new password still follows the policy.
    r = await client.post(
        "/api/v1/auth/password/restablecer",
        json={"token": token, "password_nueva": "corta"},
    )
    assert r.status_code == 422


async def _cambiar(client, token: str, actual: str, nueva: str):
    return await client.post(
        "/api/v1/auth/password",
        json={"password_actual": actual, "password_nueva": nueva},
        headers=_bearer(token),
    )


async def test_password_de_solo_espacios_o_con_caracter_nulo_se_rechaza(api, client):
    cuenta = await api.crear_usuario()
    token = await api.token(cuenta.usuario, cuenta.password)
    casos = {
        " " * 16: "solo por espacios",
        "\u3000" * 12: "solo por espacios",  # ideographic spaces: NFKC makes them spaces
        "Tornillo\x00Azul-Maizal": "caracteres de control",
    }
    for nueva, esperado in casos.items():
        r = await _cambiar(client, token, cuenta.password, nueva)
        assert r.status_code == 422, repr(nueva)
        assert r.json()["errors"][0]["campo"] == "password_nueva"
        assert esperado in r.json()["errors"][0]["mensaje"]
    # Nor as a provisional password chosen by ADMIN.
    r = await client.post(
        "/api/v1/usuarios",
        json={
            "usuario": nombre_unico(),
            "nombre": "Con Nulo",
            "email": f"{nombre_unico()}@prueba.sigexp.invalid",
            "perfil": "AUTORIDAD",
            "password_provisoria": "Provisoria\x00-1234",
        },
        headers=await api.admin(),
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["campo"] == "password_provisoria"


async def test_password_elegida_compuesta_entra_tecleada_descompuesta_y_al_reves(api, client):
    compuesta = unicodedata.normalize("NFC", "Canción-Ñandú-Pingüino-7")
    descompuesta = unicodedata.normalize("NFD", compuesta)
    assert compuesta != descompuesta
    cuenta = await api.crear_usuario()
    token = await api.token(cuenta.usuario, cuenta.password)
    assert (await _cambiar(client, token, cuenta.password, compuesta)).status_code == 204
    assert (await api.login(cuenta.usuario, descompuesta)).status_code == 200
    otra = await api.crear_usuario()
    token = await api.token(otra.usuario, otra.password)
    assert (await _cambiar(client, token, otra.password, descompuesta)).status_code == 204
    assert (await api.login(otra.usuario, compuesta)).status_code == 200


async def test_hash_anterior_a_la_normalizacion_entra_como_se_tecleo_y_queda_normalizado(
    api, auth_settings
):
    """A hash stored before NFKC (of the decomposed text as typed then) still works."""
    descompuesta = unicodedata.normalize("NFD", "Añoranza-Cigüeña-2031")
    cuenta = await api.crear_usuario()
    viejo = passwords.hasher(auth_settings).hash(descompuesta)  # as the old code stored it
    async with sesion_db(auth_settings) as db:
        await db.execute(
            update(CuentaDb).where(CuentaDb.id == cuenta.id).values(password_hash=viejo)
        )
    assert (await api.login(cuenta.usuario, descompuesta)).status_code == 200
    # Upgraded at that login: now the composed form works too.
    compuesta = unicodedata.normalize("NFC", descompuesta)
    assert (await api.login(cuenta.usuario, compuesta)).status_code == 200
