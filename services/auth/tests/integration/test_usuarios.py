"""ADMIN manages users; events on the broker; audit; account requests."""

from __future__ import annotations

from auth_ayudas import nombre_unico


async def test_crear_usuario_publica_evento_en_el_broker_sin_hash(api, escuchar):
    escucha = await escuchar("sigexp.usuario.#")
    cuenta = await api.crear_usuario("OFICINA", "SGG-OF-DESPACHO", activar=False)
    eventos = await escucha(10, lambda ev: any(e["subject"] == cuenta.id for e in ev))
    evento = next(e for e in eventos if e["subject"] == cuenta.id)
    assert evento["type"] == "sigexp.usuario.creado.v1"
    assert evento["source"] == "/sigexp/auth"
    assert evento["specversion"] == "1.0"
    assert set(evento["data"]) == {
        "id", "usuario", "nombre", "email", "perfil", "mesa_id", "organismo_id", "activo",
    }  # fmt: skip
    assert evento["data"]["mesa_id"] == cuenta.mesa_id
    assert evento["data"]["activo"] is True
    assert "hash" not in str(evento).lower()


async def test_editar_usuario_publica_actualizado_y_audita(api, client, escuchar):
    escucha = await escuchar("sigexp.usuario.actualizado.v1", "sigexp.acceso.registrado.v1")
    cuenta = await api.crear_usuario()
    mesas = await api.mesas()
    r = await client.patch(
        f"/api/v1/usuarios/{cuenta.id}",
        json={"perfil": "CONSULTA", "mesa_id": mesas["SGG-MESA"]["id"]},
        headers=await api.admin(),
    )
    assert r.status_code == 200, r.text
    assert r.json()["perfil"] == "CONSULTA"
    assert r.json()["organismo"]["codigo"] == "100200"

    def listo(ev):
        tipos = {e["type"] for e in ev if cuenta.id in str(e["data"])}
        return {"sigexp.usuario.actualizado.v1", "sigexp.acceso.registrado.v1"} <= tipos

    eventos = await escucha(10, listo)
    actualizado = [e for e in eventos if e["type"] == "sigexp.usuario.actualizado.v1"]
    assert actualizado[-1]["data"]["perfil"] == "CONSULTA"
    auditoria = [
        e["data"]
        for e in eventos
        if e["type"] == "sigexp.acceso.registrado.v1" and e["data"]["accion"] == "usuario.editar"
    ]
    assert auditoria[-1]["usuario"] == "admin"
    assert set(auditoria[-1]["detalle"]["campos"]) >= {"perfil", "mesa_id", "organismo_id"}


async def test_perfil_de_mesa_sin_mesa_es_422_y_autoridad_no_la_necesita(api, client):
    base = {"nombre": "Sin Mesa", "perfil": "MESA_ENTRADA"}
    u = nombre_unico()
    r = await client.post(
        "/api/v1/usuarios",
        json={**base, "usuario": u, "email": f"{u}@prueba.sigexp.invalid"},
        headers=await api.admin(),
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["campo"] == "mesa_id"
    r = await client.post(
        "/api/v1/usuarios",
        json={**base, "perfil": "AUTORIDAD", "usuario": u, "email": f"{u}@prueba.sigexp.invalid"},
        headers=await api.admin(),
    )
    assert r.status_code == 201
    assert r.json()["mesa_id"] is None


async def test_usuario_o_email_repetido_es_409(api, client):
    cuenta = await api.crear_usuario(activar=False)
    mesas = await api.mesas()
    r = await client.post(
        "/api/v1/usuarios",
        json={
            "usuario": cuenta.usuario.upper(),
            "nombre": "Repetido",
            "email": "otro-" + cuenta.email,
            "perfil": "CARGA",
            "mesa_id": mesas["CAP-MESA"]["id"],
        },
        headers=await api.admin(),
    )
    assert r.status_code == 409
    assert "nombre de usuario" in r.json()["detail"]


async def test_solo_admin_gestiona_usuarios(api, client):
    cuenta = await api.crear_usuario("MESA_ENTRADA")
    token = await api.token(cuenta.usuario, cuenta.password)
    cabecera = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/usuarios", headers=cabecera)).status_code == 403
    r = await client.patch(
        f"/api/v1/usuarios/{cuenta.id}", json={"perfil": "ADMIN"}, headers=cabecera
    )
    assert r.status_code == 403
    assert (await client.get("/api/v1/usuarios")).status_code == 401


async def test_un_no_admin_recibe_403_aunque_el_cuerpo_sea_invalido(api, client):
    cuenta = await api.crear_usuario("OFICINA")
    token = await api.token(cuenta.usuario, cuenta.password)
    cabecera = {"Authorization": f"Bearer {token}"}
    invalido = {"usuario": "", "perfil": "NINGUNO", "email": 3}
    for metodo, path in (
        ("POST", "/api/v1/usuarios"),
        ("PATCH", f"/api/v1/usuarios/{cuenta.id}"),
        ("POST", f"/api/v1/solicitudes-cuenta/{cuenta.id}/aprobar"),
    ):
        r = await client.request(metodo, path, json=invalido, headers=cabecera)
        assert r.status_code == 403, path
        assert r.json()["type"] == "/problemas/sin-permiso"


async def test_listado_de_usuarios_filtra_y_pagina(api, client):
    marca = nombre_unico("lst")
    for i in range(3):
        await api.crear_usuario("CARGA", "CAP-MESA", activar=False, usuario=f"{marca}{i}")
    cabecera = await api.admin()
    r = await client.get(
        "/api/v1/usuarios", params={"q": marca, "perfil": "CARGA", "limit": 2}, headers=cabecera
    )
    assert r.status_code == 200
    pagina = r.json()
    assert [u["usuario"] for u in pagina["items"]] == [f"{marca}0", f"{marca}1"]
    assert pagina["next_cursor"]
    r = await client.get(
        "/api/v1/usuarios",
        params={"q": marca, "limit": 2, "cursor": pagina["next_cursor"]},
        headers=cabecera,
    )
    assert [u["usuario"] for u in r.json()["items"]] == [f"{marca}2"]
    assert r.json()["next_cursor"] is None
    r = await client.get("/api/v1/usuarios", params={"limit": 500}, headers=cabecera)
    assert r.status_code == 422


async def test_solicitud_de_cuenta_aprobada_crea_usuario_y_envia_password(api, client):
    email = f"{nombre_unico('sol')}@prueba.sigexp.invalid"
    r = await client.post(
        "/api/v1/auth/solicitudes-cuenta",
        json={
            "nombre": "Ana Solicitante",
            "email": email,
            "organismo": "CONSEJO AGRARIO PROVINCIAL",
            "area": "Mesa de entradas",
            "perfil": "MESA_ENTRADA",
        },
    )
    assert r.status_code == 202
    cabecera = await api.admin()
    lista = await client.get(
        "/api/v1/solicitudes-cuenta", params={"estado": "PENDIENTE"}, headers=cabecera
    )
    solicitud = next(s for s in lista.json()["items"] if s["email"] == email)
    mesas = await api.mesas()
    r = await client.post(
        f"/api/v1/solicitudes-cuenta/{solicitud['id']}/aprobar",
        json={"mesa_id": mesas["CAP-MESA"]["id"]},
        headers=cabecera,
    )
    assert r.status_code == 200, r.text
    usuario = r.json()["usuario"]
    assert r.json()["solicitud"]["estado"] == "APROBADA"
    assert usuario["perfil"] == "MESA_ENTRADA"
    assert usuario["debe_cambiar_password"] is True
    correo = await api.esperar_correo(email, "su cuenta fue creada")
    assert "Su contraseña provisoria es:" in correo.get_body().get_content()
    again = await client.post(
        f"/api/v1/solicitudes-cuenta/{solicitud['id']}/rechazar",
        json={"motivo": "tarde"},
        headers=cabecera,
    )
    assert again.status_code == 409


async def test_solicitud_rechazada_envia_el_motivo(api, client):
    email = f"{nombre_unico('rech')}@prueba.sigexp.invalid"
    await client.post(
        "/api/v1/auth/solicitudes-cuenta",
        json={
            "nombre": "Beto Rechazado",
            "email": email,
            "organismo": "Otro",
            "area": "Otra",
            "perfil": "AUTORIDAD",
        },
    )
    cabecera = await api.admin()
    lista = await client.get("/api/v1/solicitudes-cuenta", headers=cabecera)
    solicitud = next(s for s in lista.json()["items"] if s["email"] == email)
    r = await client.post(
        f"/api/v1/solicitudes-cuenta/{solicitud['id']}/rechazar",
        json={"motivo": "El perfil AUTORIDAD lo asigna Informática."},
        headers=cabecera,
    )
    assert r.status_code == 200
    assert r.json()["estado"] == "RECHAZADA"
    correo = await api.esperar_correo(email, "rechazada")
    assert "El perfil AUTORIDAD lo asigna Informática." in correo.get_body().get_content()
