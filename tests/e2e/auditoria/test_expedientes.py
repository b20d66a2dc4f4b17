"""Expedientes' routes as each profile (and another organismo's desk): the alta, the composed
detail, search, the global query, the timeline, the cover, edits, notes, corrections, links and
bajas, each leaving exactly its record — refusals (403, 404 of an out-of-scope RESERVADO file,
409 of a rule) DENEGADO."""

from __future__ import annotations

from recorrido_auditado import PERFILES, Recorrido, alta, conocido

PARTES = ("pase.ver_recorrido", "archivo.listar")  # the composed detail's other parts


def test_alta_lecturas_y_edicion_dejan_su_registro(recorrido: Recorrido) -> None:
    walk = recorrido
    altas = walk.como_cada_uno(
        "POST",
        "/api/v1/expedientes",
        "expediente.crear",
        json={"extracto": "Expediente del recorrido de auditoría", "fojas": 2},
    )
    assert [u for u, r in altas.items() if r.status_code == 201] == ["mesa.cap"]
    eid = altas["mesa.cap"].json()["id"]
    rid = alta(walk, "mesa.sgg", "Sumario reservado de otra mesa", caracter="RESERVADO")["id"]
    conocido(walk, "mesa.cap", eid)
    conocido(walk, "mesa.sgg", rid)
    # The gateway's composed detail asks pases and archivos too, as parts of this one read
    # (`X-Sigexp-Parte-De`): a granted read is one record, `expediente.ver`; a refused one is
    # refused, and recorded, by each part.
    walk.como_cada_uno("GET", f"/api/v1/expedientes/{eid}", "expediente.ver", rechazan=PARTES)
    vistos = walk.como_cada_uno(
        "GET", f"/api/v1/expedientes/{rid}", "expediente.ver", rechazan=PARTES
    )
    assert {u for u, r in vistos.items() if r.status_code == 200} == {
        "autoridad.demo",
        "admin.demo",
    }
    assert {
        r.status_code for u, r in vistos.items() if u not in ("autoridad.demo", "admin.demo")
    } == {404}  # out of scope: exactly like a missing one, and recorded
    walk.como_cada_uno("GET", "/api/v1/expedientes", "expediente.buscar", params={"q": "recorrido"})
    walk.como_cada_uno(
        "GET", "/api/v1/consulta-global", "expediente.consulta_global", params={"q": "recorrido"}
    )
    walk.como_cada_uno(
        "GET", f"/api/v1/expedientes/{eid}/historial", "expediente.ver_historial", expediente_id=eid
    )
    walk.como_cada_uno("GET", f"/api/v1/expedientes/{rid}/historial", "expediente.ver_historial")
    walk.como_cada_uno(
        "GET", f"/api/v1/expedientes/{eid}/caratula.pdf", "expediente.ver_caratula",
        expediente_id=eid,
    )  # fmt: skip
    walk.como_cada_uno(
        "PATCH", f"/api/v1/expedientes/{eid}", "expediente.editar", json={"fojas": 3}
    )
    anotadas = walk.como_cada_uno(
        "POST",
        f"/api/v1/expedientes/{eid}/anotaciones",
        "anotacion.agregar",
        json={"texto": "Nota interna del recorrido"},
    )
    anotacion = anotadas["mesa.cap"].json()
    walk.como_cada_uno(
        "GET", f"/api/v1/expedientes/{eid}/anotaciones", "anotacion.listar",
        usuarios=(*PERFILES.values(), "mesa.sgg"), expediente_id=eid,
    )  # fmt: skip
    walk.como_cada_uno(
        "DELETE",
        f"/api/v1/expedientes/{eid}/anotaciones/{anotacion['id']}",
        "anotacion.eliminar",
        usuarios=("consulta.cap", "mesa.sgg", "mesa.cap"),
    )
    walk.comprobar()


def test_correcciones_vinculos_y_bajas_dejan_su_registro(recorrido: Recorrido) -> None:
    walk = recorrido
    eid = alta(walk, "mesa.cap", "Expediente corregido del recorrido", fojas=4)["id"]
    otro = alta(walk, "mesa.cap", "Expediente vinculado del recorrido")["id"]
    conocido(walk, "mesa.cap", eid)
    conocido(walk, "mesa.cap", otro)
    ajenos = ("consulta.cap", "carga.cap", "mesa.sgg", "admin.demo")
    aprobada = walk.como_cada_uno(
        "POST", f"/api/v1/expedientes/{eid}/correcciones", "expediente.corregir",
        usuarios=(*ajenos, "mesa.cap"), json={"fojas": 5, "motivo": "Se contaron mal"},
    )["mesa.cap"].json()["id"]  # fmt: skip
    walk.como_cada_uno(
        "POST", f"/api/v1/correcciones/{aprobada}/aprobar", "correccion.aprobar",
        usuarios=("mesa.cap", "autoridad.demo", "admin.demo"), json={"motivo": "Revisado"},
    )  # fmt: skip
    rechazada = walk.como_cada_uno(
        "POST", f"/api/v1/expedientes/{eid}/correcciones", "expediente.corregir",
        usuarios=("mesa.cap",), json={"fojas": 7, "motivo": "Otra cuenta de fojas"},
    )["mesa.cap"].json()["id"]  # fmt: skip
    walk.como_cada_uno(
        "POST", f"/api/v1/correcciones/{rechazada}/rechazar", "correccion.rechazar",
        usuarios=("mesa.cap", "autoridad.demo", "admin.demo"), json={"motivo": "Están bien"},
    )  # fmt: skip
    walk.como_cada_uno(
        "GET", f"/api/v1/expedientes/{eid}/correcciones", "correccion.listar_del_expediente",
        usuarios=(*PERFILES.values(), "mesa.sgg"),
    )  # fmt: skip
    walk.como_cada_uno("GET", "/api/v1/correcciones", "correccion.listar")
    vinculados = walk.como_cada_uno(
        "POST", f"/api/v1/expedientes/{eid}/vinculos", "expediente.vincular",
        usuarios=(*ajenos, "mesa.cap"), json={"expediente_id": otro, "motivo": "Mismo trámite"},
    )  # fmt: skip
    vinculo = vinculados["mesa.cap"].json()["id"]
    walk.como_cada_uno(
        "GET", f"/api/v1/expedientes/{eid}/vinculos", "vinculo.listar",
        usuarios=(*PERFILES.values(), "mesa.sgg"),
    )  # fmt: skip
    walk.como_cada_uno(
        "DELETE", f"/api/v1/expedientes/{eid}/vinculos/{vinculo}", "expediente.desvincular",
        usuarios=("consulta.cap", "mesa.sgg", "mesa.cap"), params={"motivo": "Era otro"},
    )  # fmt: skip
    # A baja asked, refused; asked again, approved (the file is ANULADO from then on).
    rechazada = walk.como_cada_uno(
        "POST", f"/api/v1/expedientes/{eid}/solicitudes-baja", "baja.solicitar",
        usuarios=("consulta.cap", "mesa.sgg", "mesa.cap"), json={"motivo": "Duplicado"},
    )["mesa.cap"].json()["id"]  # fmt: skip
    walk.como_cada_uno(
        "POST", f"/api/v1/solicitudes-baja/{rechazada}/rechazar", "baja.rechazar",
        usuarios=("mesa.cap", "autoridad.demo", "admin.demo"), json={"motivo": "Sigue vigente"},
    )  # fmt: skip
    aprobada = walk.como_cada_uno(
        "POST", f"/api/v1/expedientes/{eid}/solicitudes-baja", "baja.solicitar",
        usuarios=("mesa.cap",), json={"motivo": "Duplicado, de veras"},
    )["mesa.cap"].json()["id"]  # fmt: skip
    walk.como_cada_uno(
        "POST", f"/api/v1/solicitudes-baja/{aprobada}/aprobar", "baja.aprobar",
        usuarios=("mesa.cap", "autoridad.demo", "admin.demo"), json={"motivo": "Visto"},
    )  # fmt: skip
    walk.como_cada_uno("GET", "/api/v1/solicitudes-baja", "baja.listar")
    walk.comprobar()
