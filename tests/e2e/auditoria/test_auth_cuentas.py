"""Auth's administration routes (accounts, account requests and their decision, the catalogue
and holiday reads, imports and re-publication) as each profile: ADMIN's record, everyone
else's DENEGADO; the catalogue reads leave none (SIN_REGISTRO)."""

from __future__ import annotations

import random
import uuid

from recorrido_auditado import DENEGADO, PERFILES, Esperado, Recorrido, fuera, no, ok

DIRECCION_SOLICITUD = "127.0.0.23"  # account requests are limited per address


def test_cada_ruta_de_usuarios_deja_su_registro_para_cada_perfil(recorrido: Recorrido) -> None:
    walk = recorrido
    usuarios = walk.cada_perfil(
        "GET",
        "/api/v1/usuarios",
        {"ADMIN": ok("usuario.listar")},
        no("usuario.listar"),
        params={"q": "cap"},
    )
    un_id = usuarios["ADMIN"].json()["items"][0]["id"]
    walk.cada_perfil(
        "GET",
        f"/api/v1/usuarios/{un_id}",
        {"ADMIN": ok("usuario.ver", recurso=un_id)},
        no("usuario.ver"),
    )
    walk.pedir(
        "admin.demo",
        "GET",
        f"/api/v1/usuarios/{uuid.uuid4()}",
        404,
        Esperado("usuario.ver", DENEGADO),
    )
    nombre = f"auditada{uuid.uuid4().hex[:8]}"
    creadas = walk.cada_perfil(
        "POST",
        "/api/v1/usuarios",
        {"ADMIN": ok("usuario.crear", 201)},
        no("usuario.crear"),
        json={
            "usuario": nombre,
            "nombre": "Cuenta Auditada",
            "email": f"{nombre}@ejemplo.sigexp.invalid",
            "perfil": "CONSULTA",
            "mesa_id": walk.cuentas["mesa.cap"].mesa_id,
            "password_provisoria": "Provisoria-Auditada-2026",
        },
    )
    walk.cada_perfil(
        "PATCH",
        f"/api/v1/usuarios/{creadas['ADMIN'].json()['id']}",
        {"ADMIN": ok("usuario.editar")},
        no("usuario.editar"),
        json={"nombre": "Cuenta Auditada Dos"},
    )
    walk.comprobar()


def _solicitud(walk: Recorrido) -> str:
    """A new account request (sent outside the walk's checks), and its id."""
    email = f"pide{uuid.uuid4().hex[:8]}@ejemplo.sigexp.invalid"
    walk.pedir(
        None,
        "POST",
        "/api/v1/auth/solicitudes-cuenta",
        202,
        Esperado("solicitud_cuenta.crear", usuario=email),
        ip=DIRECCION_SOLICITUD,
        json={
            "nombre": "Persona Solicitante",
            "email": email,
            "organismo": "CAP",
            "area": "Despacho",
            "perfil": "CONSULTA",
        },
    )
    pendientes = fuera(walk, "admin.demo", "GET", "/api/v1/solicitudes-cuenta?estado=PENDIENTE")
    return str(next(s["id"] for s in pendientes.json()["items"] if s["email"] == email))


def test_las_solicitudes_de_cuenta_y_su_decision_dejan_su_registro(recorrido: Recorrido) -> None:
    walk = recorrido
    walk.cada_perfil(
        "GET",
        "/api/v1/solicitudes-cuenta",
        {"ADMIN": ok("solicitud_cuenta.listar")},
        no("solicitud_cuenta.listar"),
    )
    aprobada, rechazada = _solicitud(walk), _solicitud(walk)
    # The approval creates the account: its own record beside the decision's.
    walk.cada_perfil(
        "POST",
        f"/api/v1/solicitudes-cuenta/{aprobada}/aprobar",
        {"ADMIN": (200, [Esperado("solicitud_cuenta.aprobar"), Esperado("usuario.crear")])},
        no("solicitud_cuenta.aprobar"),
        json={"mesa_id": walk.cuentas["mesa.cap"].mesa_id},
    )
    walk.cada_perfil(
        "POST",
        f"/api/v1/solicitudes-cuenta/{rechazada}/rechazar",
        {"ADMIN": ok("solicitud_cuenta.rechazar")},
        no("solicitud_cuenta.rechazar"),
        json={"motivo": "No corresponde a este organismo"},
    )
    walk.pedir(  # decided already: refused now, and recorded
        "admin.demo",
        "POST",
        f"/api/v1/solicitudes-cuenta/{rechazada}/rechazar",
        409,
        Esperado("solicitud_cuenta.rechazar", DENEGADO),
        json={"motivo": "Otra vez"},
    )
    walk.comprobar()


def test_el_catalogo_se_lee_sin_registro_y_sus_cambios_dejan_el_suyo(recorrido: Recorrido) -> None:
    walk = recorrido
    for usuario in PERFILES.values():  # SIN_REGISTRO: reference data
        walk.pedir(usuario, "GET", "/api/v1/catalogo/organismos", 200)
        walk.pedir(usuario, "GET", "/api/v1/catalogo/mesas", 200)
        walk.pedir(usuario, "GET", "/api/v1/catalogo/dependencias", 200)
        walk.pedir(usuario, "GET", "/api/v1/catalogo/tipos", 200)
        walk.pedir(usuario, "GET", "/api/v1/catalogo/feriados", 200, params={"anio": 2026})
    codigo = f"AUDIT_{uuid.uuid4().hex[:8].upper()}"
    catalogo = f"entidad,codigo,nombre\ntipo,{codigo},Tipo del recorrido de auditoría\n"
    walk.cada_perfil(
        "POST",
        "/api/v1/catalogo/importar",
        {"ADMIN": ok("catalogo.importar")},
        no("catalogo.importar"),
        files={"archivo": ("catalogo.csv", catalogo.encode(), "text/csv")},
    )
    # A date far away, of this walk only: no plazo of another test counts it.
    fecha = f"21{random.randrange(10, 99)}-0{random.randrange(1, 9)}-1{random.randrange(0, 9)}"
    feriados = f"fecha,nombre\n{fecha},Feriado del recorrido de auditoría\n"
    walk.cada_perfil(
        "POST",
        "/api/v1/catalogo/feriados/importar",
        {"ADMIN": ok("feriado.importar")},
        no("feriado.importar"),
        files={"archivo": ("feriados.csv", feriados.encode(), "text/csv")},
    )
    walk.cada_perfil(
        "POST",
        "/api/v1/catalogo/republicar",
        {"ADMIN": ok("catalogo.republicar")},
        no("catalogo.republicar"),
    )
    walk.comprobar()
