"""Fields a client may not set (ids, codes, states, custody, authorship, the password flags)
are refused or ignored in every body that creates or edits something: never applied.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

AJENO = str(uuid.uuid4())
EXPEDIENTE_PROHIBIDO = {
    "id": AJENO,
    "codigo": "999999",
    "estado": "ARCHIVADO",
    "mesa_actual_id": AJENO,
    "mesa_inicio_id": AJENO,
    "organismo_id": AJENO,
    "iniciado_por": AJENO,
    "permiso_actual": "ESCRITURA",
    "referencia": "1-2020",
    "creado_en": "2001-01-01T00:00:00Z",
}
PASE_PROHIBIDO = {
    "id": AJENO,
    "estado": "RECIBIDO",
    "mesa_origen_id": AJENO,
    "remito_id": AJENO,
    "enviado_en": "2001-01-01T00:00:00Z",
    "recibido_en": "2001-01-01T00:00:00Z",
    "discrepancia": "ninguna",
    "vence_en": "2001-01-01T00:00:00Z",
}
CUENTA_PROHIBIDA = {
    "id": AJENO,
    "debe_cambiar_password": False,
    "password_hash": "$argon2id$v=19$m=19456,t=2,p=1$AAAA$BBBB",
    "creado_en": "2001-01-01T00:00:00Z",
    "intentos": 0,
}


def _se_rechazo_o_no_se_aplico(r: Any, campo: str, valor: Any) -> None:
    assert r.status_code < 500, r.text
    if r.status_code == 422:
        assert any(e["campo"].endswith(campo) for e in r.json()["errors"]), r.text
        return
    assert r.status_code in (200, 201), r.text
    assert r.json().get(campo) != valor, r.text


@pytest.mark.parametrize("campo", sorted(EXPEDIENTE_PROHIBIDO))
def test_alta_de_expediente_no_acepta_campos_del_sistema(api: Any, campo: str) -> None:
    extracto = f"Asignacion masiva {uuid.uuid4().hex[:8]}"
    cuerpo = {"extracto": extracto, campo: EXPEDIENTE_PROHIBIDO[campo]}
    r = api.request("POST", "/api/v1/expedientes", "mesa.cap", json=cuerpo)
    _se_rechazo_o_no_se_aplico(r, campo, EXPEDIENTE_PROHIBIDO[campo])
    if r.status_code == 422:  # nothing half written
        buscados = api.request("GET", "/api/v1/expedientes", "mesa.cap", params={"q": extracto})
        assert buscados.json()["items"] == []


@pytest.mark.parametrize("campo", sorted(PASE_PROHIBIDO))
def test_envio_de_pases_no_acepta_campos_del_sistema(api: Any, campo: str) -> None:
    cuerpo = {
        "expediente_ids": [str(uuid.uuid4())],
        "mesa_destino_id": str(uuid.uuid4()),
        "permiso": "ESCRITURA",
        campo: PASE_PROHIBIDO[campo],
    }
    r = api.request("POST", "/api/v1/pases", "mesa.cap", json=cuerpo)
    assert r.status_code == 422, r.text
    assert [e["campo"] for e in r.json()["errors"]] == [campo]


@pytest.mark.parametrize("campo", sorted(CUENTA_PROHIBIDA))
def test_alta_de_usuario_no_acepta_campos_del_sistema(api: Any, campo: str) -> None:
    r, usuario, _ = api.nueva_cuenta("masiva", **{campo: CUENTA_PROHIBIDA[campo]})
    _se_rechazo_o_no_se_aplico(r, campo, CUENTA_PROHIBIDA[campo])
    if r.status_code == 201:
        assert r.json()["debe_cambiar_password"] is True
    else:
        listado = api.request("GET", "/api/v1/usuarios", "admin.demo", params={"q": usuario})
        assert listado.json()["items"] == []


@pytest.mark.parametrize("campo", sorted({**CUENTA_PROHIBIDA, "usuario": "otro.nombre"}))
def test_edicion_de_usuario_no_acepta_campos_del_sistema(api: Any, campo: str) -> None:
    creada, _, _ = api.nueva_cuenta("masiva")
    assert creada.status_code == 201, creada.text
    antes = creada.json()
    valor = {**CUENTA_PROHIBIDA, "usuario": "otro.nombre"}[campo]
    ruta = f"/api/v1/usuarios/{antes['id']}"
    r = api.request("PATCH", ruta, "admin.demo", json={campo: valor})
    _se_rechazo_o_no_se_aplico(r, campo, valor)
    despues = api.request("GET", ruta, "admin.demo").json()
    assert {k: despues[k] for k in ("id", "usuario", "debe_cambiar_password", "creado_en")} == {
        k: antes[k] for k in ("id", "usuario", "debe_cambiar_password", "creado_en")
    }


@pytest.mark.parametrize(
    ("campo", "valor"), [("estado", "APROBADA"), ("id", AJENO), ("usuario_id", AJENO)]
)
def test_solicitud_de_cuenta_publica_no_acepta_campos_del_sistema(
    api: Any, campo: str, valor: str
) -> None:
    email = f"solicitud{uuid.uuid4().hex[:8]}@ejemplo.sigexp.invalid"
    cuerpo = {
        "nombre": "Persona Solicitante",
        "email": email,
        "organismo": "Ministerio",
        "area": "Mesa",
        "perfil": "CONSULTA",
        campo: valor,
    }
    r = api.request("POST", "/api/v1/auth/solicitudes-cuenta", json=cuerpo)
    assert r.status_code in (202, 422), r.text
    solicitudes = api.request("GET", "/api/v1/solicitudes-cuenta", "admin.demo").json()["items"]
    for solicitud in (s for s in solicitudes if s["email"] == email):
        assert solicitud["estado"] == "PENDIENTE"
        assert solicitud["id"] != AJENO


def test_un_empleado_no_se_da_de_alta_como_admin(api: Any) -> None:
    usuario = f"intruso{uuid.uuid4().hex[:6]}"
    cuerpo = {
        "usuario": usuario,
        "nombre": "Intruso",
        "email": f"{usuario}@ejemplo.sigexp.invalid",
        "perfil": "ADMIN",
    }
    r = api.request("POST", "/api/v1/usuarios", "mesa.cap", json=cuerpo)
    assert r.status_code == 403, r.text
    listado = api.request("GET", "/api/v1/usuarios", "admin.demo", params={"q": usuario})
    assert listado.json()["items"] == []


def test_un_empleado_no_se_asciende_a_admin(api: Any) -> None:
    yo = api.request("GET", "/api/v1/auth/me", "mesa.cap").json()
    ruta = f"/api/v1/usuarios/{yo['id']}"
    r = api.request("PATCH", ruta, "mesa.cap", json={"perfil": "ADMIN"})
    assert r.status_code == 403, r.text
    assert api.request("GET", ruta, "admin.demo").json()["perfil"] == "MESA_ENTRADA"


def test_solicitud_de_cuenta_publica_no_elige_el_perfil_admin(api: Any) -> None:
    """Whoever asks for an account does not choose ADMIN: ADMIN chooses on approval."""
    email = f"solicitud{uuid.uuid4().hex[:8]}@ejemplo.sigexp.invalid"
    cuerpo = {
        "nombre": "Persona Solicitante",
        "email": email,
        "organismo": "Ministerio",
        "area": "Mesa",
        "perfil": "ADMIN",
    }
    r = api.request("POST", "/api/v1/auth/solicitudes-cuenta", json=cuerpo)
    assert r.status_code in (202, 422), r.text
    solicitudes = api.request("GET", "/api/v1/solicitudes-cuenta", "admin.demo").json()["items"]
    assert all(s.get("perfil") != "ADMIN" for s in solicitudes if s["email"] == email)
