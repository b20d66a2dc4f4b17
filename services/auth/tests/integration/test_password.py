"""Provisional password, forced change, policy, forgot/reset by e-mail link."""

from __future__ import annotations

from datetime import timedelta

from auth_ayudas import PASSWORD_BUENA, enlace_de_restablecimiento, sesion_db, texto
from sqlalchemy import select, update

from auth.models import TokenRestablecimiento
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
    r = await client.post("/api/v1/auth/password/olvido", json={"email": desconocido})
    assert r.status_code == 202
    cuenta = await api.crear_usuario()
    r2 = await client.post("/api/v1/auth/password/olvido", json={"email": cuenta.email})
    assert r2.status_code == 202
    assert r.json() == r2.json()
    await api.esperar_correo(cuenta.email, "restablecer")
    assert api.correos(desconocido) == []


async def test_enlace_del_correo_restablece_y_es_de_un_solo_uso(api, client):
    cuenta = await api.crear_usuario()
    sesion = (await api.login(cuenta.usuario, cuenta.password)).json()
    await client.post("/api/v1/auth/password/olvido", json={"email": cuenta.email})
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
    await client.post("/api/v1/auth/password/olvido", json={"email": cuenta.email})
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
    await client.post("/api/v1/auth/password/olvido", json={"email": cuenta.email})
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
