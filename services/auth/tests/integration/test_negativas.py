"""Commit, then refuse: auth's refusals leave their audit record (DENEGADO) committed before the
401/429 is answered, with what the refusal must keep (the attempt, the lock, the revoked
family), all on the request's one session."""

from __future__ import annotations

import uuid
from typing import Any

from auth_ayudas import enlace_de_restablecimiento, nombre_unico, sesion_db
from sqlalchemy import select

from auth.models import Bloqueo, IntentoLogin, RefreshToken
from auth.settings import Settings
from sigexp_common import audit
from sigexp_common.messaging_tables import OutboxMessage


async def _registros(settings: Settings, accion: str, **igual: Any) -> list[dict[str, Any]]:
    """Audit records already committed in auth's outbox (read from another connection)."""
    async with sesion_db(settings) as db:
        sobres = await db.scalars(
            select(OutboxMessage.envelope).where(
                OutboxMessage.type == audit.AccesoRegistrado.event_type
            )
        )
        datos = [s["data"] for s in sobres]
    return [d for d in datos if d["accion"] == accion and all(d[k] == v for k, v in igual.items())]


async def test_un_login_fallido_deja_intento_y_registro_denegado_confirmados(
    api, auth_settings: Settings
):
    cuenta = await api.crear_usuario()
    r = await api.login(cuenta.usuario, "Equivocada-0000", ip="198.51.100.23")
    assert r.status_code == 401
    [registro] = await _registros(
        auth_settings, "auth.login_fallido", usuario_id=cuenta.id, ip="198.51.100.23"
    )
    assert registro["usuario"] == cuenta.usuario
    assert registro["resultado"] == audit.DENEGADO
    assert registro["detalle"] == {"causa": "password", "motivo": "no-autenticado", "estado": 401}
    async with sesion_db(auth_settings) as db:
        intentos = await db.scalars(
            select(IntentoLogin).where(IntentoLogin.clave == f"cuenta:{cuenta.id}")
        )
        assert [i.exitoso for i in intentos].count(False) == 1


async def test_el_bloqueo_se_confirma_con_su_registro_y_el_429_tambien_se_audita(
    api, auth_settings: Settings
):
    cuenta = await api.crear_usuario()
    for i in range(50):  # the hard lock: 50 failures, one from each address
        r = await api.login(cuenta.usuario, "Equivocada-0000", ip=f"198.51.{i // 200}.{i % 200}")
        assert r.status_code == 401
    async with sesion_db(auth_settings) as db:
        bloqueo = await db.scalar(select(Bloqueo).where(Bloqueo.clave == f"cuenta:{cuenta.id}"))
    assert bloqueo is not None, "the lock written by the 50th refusal was committed"
    assert (await api.login(cuenta.usuario, cuenta.password)).status_code == 429
    bloqueados = await _registros(auth_settings, "auth.login_fallido", usuario_id=cuenta.id)
    assert [r["detalle"]["causa"] for r in bloqueados].count("bloqueado") == 1
    assert {r["resultado"] for r in bloqueados} == {audit.DENEGADO}


async def test_la_espera_de_una_direccion_tambien_se_audita(api, auth_settings: Settings):
    cuenta = await api.crear_usuario()
    for _ in range(3):
        await api.login(cuenta.usuario, "Equivocada-0000", ip="198.51.100.77")
    assert (await api.login(cuenta.usuario, "Equivocada-0000", ip="198.51.100.77")).status_code == (
        429
    )
    registros = await _registros(auth_settings, "auth.login_fallido", usuario_id=cuenta.id)
    assert sorted(r["detalle"]["causa"] for r in registros) == ["demora"] + ["password"] * 3


async def test_un_refresh_reutilizado_deja_la_familia_revocada_y_su_registro(
    api, client, auth_settings: Settings
):
    cuenta = await api.crear_usuario()
    original = (await api.login(cuenta.usuario, cuenta.password)).json()["refresh_token"]
    assert (await client.post("/api/v1/auth/refresh", json={"refresh_token": original})).is_success
    robado = await client.post("/api/v1/auth/refresh", json={"refresh_token": original})
    assert robado.status_code == 401
    [registro] = await _registros(auth_settings, "auth.refresh_reutilizado", usuario_id=cuenta.id)
    assert registro["resultado"] == audit.DENEGADO
    async with sesion_db(auth_settings) as db:
        familia = (
            await db.scalars(select(RefreshToken).where(RefreshToken.usuario_id == cuenta.id))
        ).all()
    assert familia
    assert all(t.revocado_en is not None for t in familia)


async def test_un_usuario_de_254_caracteres_se_rechaza_y_su_registro_queda_acotado(
    api, auth_settings: Settings
):
    nombre = "n" * 244 + "@x.test.ar"  # the longest name the login accepts
    assert len(nombre) == 254
    r = await api.login(nombre, "Equivocada-0000")
    assert r.status_code == 401
    acotado = nombre[: audit.MAX_USUARIO - len(audit.MARCA)] + audit.MARCA
    [registro] = await _registros(auth_settings, "auth.login_fallido", usuario=acotado)
    assert registro["detalle"]["causa"] == "inexistente"


async def test_un_cambio_de_password_con_la_actual_equivocada_queda_registrado(
    api, client, auth_settings: Settings
):
    cuenta = await api.crear_usuario()
    token = await api.token(cuenta.usuario, cuenta.password)
    r = await client.post(
        "/api/v1/auth/password",
        json={"password_actual": "No-Es-La-Actual-1", "password_nueva": "Otra-Clave-Nueva-77"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["campo"] == "password_actual"
    [registro] = await _registros(
        auth_settings, "auth.password_cambiar", usuario_id=cuenta.id, resultado=audit.DENEGADO
    )
    assert registro["detalle"]["motivo"] == "datos-invalidos"


async def test_un_enlace_de_restablecimiento_usado_deja_su_registro_denegado(
    api, client, auth_settings: Settings
):
    cuenta = await api.crear_usuario()
    await client.post(
        "/api/v1/auth/password/olvido", json={"email": cuenta.email}, headers=api.desde()
    )
    token = enlace_de_restablecimiento(await api.esperar_correo(cuenta.email, "restablecer"))
    cuerpo = {"token": token, "password_nueva": "Nueva-Clave-Restablecida-9"}
    assert (await client.post("/api/v1/auth/password/restablecer", json=cuerpo)).status_code == 204
    otra_vez = await client.post("/api/v1/auth/password/restablecer", json=cuerpo)
    assert otra_vez.status_code == 400
    [registro] = await _registros(
        auth_settings,
        "auth.password_restablecer",
        usuario_id=cuenta.id,
        resultado=audit.DENEGADO,
    )
    assert registro["usuario"] == cuenta.usuario
    inventado = {"token": "no-es-un-enlace", "password_nueva": "Nueva-Clave-Restablecida-9"}
    assert (
        await client.post("/api/v1/auth/password/restablecer", json=inventado)
    ).status_code == 400
    denegados = await _registros(
        auth_settings, "auth.password_restablecer", resultado=audit.DENEGADO
    )
    assert [d["usuario_id"] for d in denegados].count(cuenta.id) == 1


async def test_decidir_una_solicitud_ya_resuelta_o_inexistente_deja_su_registro_denegado(
    api, client, auth_settings: Settings
):
    email = f"{nombre_unico('decidida')}@prueba.sigexp.invalid"
    pedido = {
        "nombre": "Persona Solicitante",
        "email": email,
        "organismo": "CAP",
        "area": "Despacho",
        "perfil": "CONSULTA",
    }
    r = await client.post("/api/v1/auth/solicitudes-cuenta", json=pedido, headers=api.desde())
    assert r.status_code == 202
    cabecera = await api.admin()
    lista = await client.get("/api/v1/solicitudes-cuenta", headers=cabecera)
    [solicitud] = [s["id"] for s in lista.json()["items"] if s["email"] == email]
    rechazar = f"/api/v1/solicitudes-cuenta/{solicitud}/rechazar"
    motivo = {"motivo": "No corresponde"}
    assert (await client.post(rechazar, json=motivo, headers=cabecera)).status_code == 200
    assert (await client.post(rechazar, json=motivo, headers=cabecera)).status_code == 409
    aprobar = f"/api/v1/solicitudes-cuenta/{solicitud}/aprobar"
    assert (await client.post(aprobar, json={}, headers=cabecera)).status_code == 409
    ninguna = uuid.uuid4()
    inexistente = f"/api/v1/solicitudes-cuenta/{ninguna}/aprobar"
    assert (await client.post(inexistente, json={}, headers=cabecera)).status_code == 404
    recurso = f"solicitud-cuenta/{solicitud}"
    for accion in ("solicitud_cuenta.rechazar", "solicitud_cuenta.aprobar"):
        [registro] = await _registros(
            auth_settings, accion, recurso=recurso, resultado=audit.DENEGADO
        )
        assert registro["detalle"]["estado"] == 409
    [ausente] = await _registros(
        auth_settings,
        "solicitud_cuenta.aprobar",
        recurso=f"solicitud-cuenta/{ninguna}",
        resultado=audit.DENEGADO,
    )
    assert ausente["detalle"]["estado"] == 404
