"""The audit's own routes (query, export, anchor, verification) and integraciones' subscriber
routes as each profile: ADMIN's (and AUTORIDAD's where allowed) record, the others' DENEGADO."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from recorrido_auditado import Recorrido, alta, fuera, no, ok


def test_las_rutas_de_auditoria_dejan_su_registro(recorrido: Recorrido) -> None:
    walk = recorrido
    eid = alta(walk, "mesa.cap", "Expediente consultado por la auditoría")["id"]
    filtro = {"params": {"expediente_id": eid}}
    walk.como_cada_uno(
        "GET", "/api/v1/auditoria", "auditoria.consultar", expediente_id=eid, **filtro
    )
    walk.como_cada_uno(
        "GET", "/api/v1/auditoria/exportar", "auditoria.exportar", expediente_id=eid, **filtro
    )
    ancla = walk.como_cada_uno("GET", "/api/v1/auditoria/ancla", "auditoria.ancla")
    walk.como_cada_uno(
        "GET", "/api/v1/auditoria/verificacion", "auditoria.verificar",
        params={"ancla": ancla["admin.demo"].json()["ancla"]},
    )  # fmt: skip
    walk.comprobar()


def test_las_rutas_de_suscriptores_dejan_su_registro(recorrido: Recorrido) -> None:
    walk = recorrido
    organismos = fuera(walk, "admin.demo", "GET", "/api/v1/catalogo/organismos").json()["items"]
    organismo = next(o["id"] for o in organismos if o["codigo"] == "100111")
    alta_ = walk.cada_perfil(
        "POST",
        "/api/v1/integraciones/suscriptores",
        {"ADMIN": ok("suscriptor.registrar", 201)},
        no("suscriptor.registrar"),
        json={
            "nombre": "Ministerio del recorrido",
            "organismo_id": organismo,
            "solo_organismo": True,
        },
    )
    sid = alta_["ADMIN"].json()["id"]
    walk.cada_perfil(
        "GET",
        "/api/v1/integraciones/suscriptores",
        {"ADMIN": ok("suscriptor.listar")},
        no("suscriptor.listar"),
    )
    walk.cada_perfil(
        "GET",
        f"/api/v1/integraciones/suscriptores/{sid}",
        {"ADMIN": ok("suscriptor.ver")},
        no("suscriptor.ver"),
    )
    walk.cada_perfil(
        "PATCH",
        f"/api/v1/integraciones/suscriptores/{sid}",
        {"ADMIN": ok("suscriptor.editar")},
        no("suscriptor.editar"),
        json={"nombre": "Ministerio del recorrido, renombrado"},
    )
    walk.cada_perfil(
        "POST",
        f"/api/v1/integraciones/suscriptores/{sid}/credenciales",
        {"ADMIN": ok("suscriptor.rotar")},
        no("suscriptor.rotar"),
    )
    walk.cada_perfil(
        "GET",
        f"/api/v1/integraciones/suscriptores/{sid}/entregas",
        {"ADMIN": ok("suscriptor.entregas")},
        no("suscriptor.entregas"),
    )
    desde = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    walk.cada_perfil(
        "POST",
        f"/api/v1/integraciones/suscriptores/{sid}/reenvio",
        {"ADMIN": ok("suscriptor.reenviar", 202)},
        no("suscriptor.reenviar"),
        json={"desde": desde},
    )
    walk.cada_perfil(
        "POST",
        f"/api/v1/integraciones/suscriptores/{sid}/entregas/reintento",
        {"ADMIN": ok("suscriptor.reintentar")},
        no("suscriptor.reintentar"),
    )
    walk.cada_perfil(
        "DELETE",
        f"/api/v1/integraciones/suscriptores/{sid}",
        {"ADMIN": ok("suscriptor.revocar", 204)},
        no("suscriptor.revocar"),
    )
    walk.comprobar()
