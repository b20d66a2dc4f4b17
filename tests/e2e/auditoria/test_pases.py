"""Pases' routes as each profile and the other organismo's desk: sending, the remito and its
public verification, the desk's tray and statistics, reception (one and several), rejection,
reversal requests and their decision, accumulation, the desk's alerts, the route — each leaving
exactly its record, refusals DENEGADO."""

from __future__ import annotations

from typing import Any

from recorrido_auditado import PERFILES, Esperado, Recorrido, alta, conocido, fuera, hasta

AJENOS = ("consulta.cap", "carga.cap", "admin.demo")  # who may not send a pase
CORREO = "mesa-cap@ejemplo.sigexp.invalid"  # a desk without an address keeps notices off


def _envio(walk: Recorrido, eid: str) -> dict[str, Any]:
    return {
        "expediente_ids": [eid],
        "mesa_destino_id": walk.cuentas["mesa.sgg"].mesa_id,
        "permiso": "ESCRITURA",
        "fojas_agregadas": 0,
        "tomos_agregados": 0,
    }


def _en_mesa(walk: Recorrido, pase_id: str) -> None:
    def llego() -> bool:
        r = fuera(walk, "mesa.sgg", "GET", "/api/v1/mesa/en-mesa")
        return any(i["pase"]["id"] == pase_id for i in r.json()["items"])

    hasta(llego, "el pase llega a la mesa de destino")


def test_envio_recepcion_y_reversion_dejan_su_registro(recorrido: Recorrido) -> None:
    walk = recorrido
    eid = alta(walk, "mesa.cap", "Expediente que viaja en el recorrido")["id"]
    rid = alta(walk, "mesa.sgg", "Reservado que no viaja", caracter="RESERVADO")["id"]
    conocido(walk, "mesa.cap", eid)
    conocido(walk, "mesa.sgg", rid)
    walk.como_cada_uno(
        "GET", f"/api/v1/expedientes/{eid}/pases", "pase.ver_recorrido", expediente_id=eid
    )
    walk.como_cada_uno("GET", f"/api/v1/expedientes/{rid}/pases", "pase.ver_recorrido")
    walk.como_cada_uno(
        "POST", "/api/v1/pases", "pase.enviar", json=_envio(walk, eid), usuarios=AJENOS
    )
    enviado = walk.como_cada_uno(
        "POST", "/api/v1/pases", "pase.enviar", usuarios=("mesa.cap",), json=_envio(walk, eid)
    )["mesa.cap"].json()
    pase, remito = enviado["pases"][0], enviado["remito"]
    walk.como_cada_uno(
        "GET", f"/api/v1/remitos/{remito['id']}.pdf", "remito.ver",
        usuarios=(*PERFILES.values(), "consulta.sgg"),
    )  # fmt: skip
    walk.pedir(None, "GET", f"/api/v1/remitos/verificar/{remito['codigo_verificacion']}", 200,
               Esperado("remito.verificar", usuario=None))  # fmt: skip
    _en_mesa(walk, pase["id"])
    walk.como_cada_uno(
        "GET", "/api/v1/mesa/en-mesa", "mesa.en_mesa", usuarios=(*PERFILES.values(), "mesa.sgg")
    )
    walk.como_cada_uno(
        "POST", f"/api/v1/pases/{pase['id']}/recepcion", "pase.recibir",
        usuarios=("mesa.cap", "consulta.sgg", "mesa.sgg"), json={},
    )  # fmt: skip
    walk.como_cada_uno(
        "POST", "/api/v1/mesa/recepciones", "pase.recibir",
        usuarios=("consulta.cap", "admin.demo"), json={"items": [{"pase_id": pase["id"]}]},
    )  # fmt: skip
    walk.como_cada_uno("GET", "/api/v1/mesa/estadisticas", "mesa.estadisticas")
    # Its reversal asked, refused; asked again, approved: the file is back at CAP.
    rechazada = walk.como_cada_uno(
        "POST", f"/api/v1/pases/{pase['id']}/solicitudes-reversion", "reversion.solicitar",
        usuarios=("consulta.cap", "mesa.sgg", "mesa.cap"), json={"motivo": "Enviado por error"},
    )["mesa.cap"].json()["id"]  # fmt: skip
    walk.como_cada_uno(
        "POST", f"/api/v1/solicitudes-reversion/{rechazada}/rechazar", "reversion.rechazar",
        usuarios=("mesa.sgg", "autoridad.demo", "admin.demo"), json={"motivo": "Se queda"},
    )  # fmt: skip
    aprobada = walk.como_cada_uno(
        "POST", f"/api/v1/pases/{pase['id']}/solicitudes-reversion", "reversion.solicitar",
        usuarios=("mesa.cap",), json={"motivo": "Enviado por error, de veras"},
    )["mesa.cap"].json()["id"]  # fmt: skip
    walk.como_cada_uno(
        "POST", f"/api/v1/solicitudes-reversion/{aprobada}/aprobar", "reversion.aprobar",
        usuarios=("mesa.sgg", "autoridad.demo", "admin.demo"), json={"motivo": "Corresponde"},
    )  # fmt: skip
    walk.como_cada_uno("GET", "/api/v1/solicitudes-reversion", "reversion.listar")
    walk.comprobar()


def test_rechazo_acumulacion_y_avisos_dejan_su_registro(recorrido: Recorrido) -> None:
    walk = recorrido
    principal = alta(walk, "mesa.cap", "Principal de la acumulación del recorrido")["id"]
    eid = alta(walk, "mesa.cap", "Expediente rechazado y acumulado en el recorrido")["id"]
    conocido(walk, "mesa.cap", principal)
    conocido(walk, "mesa.cap", eid)
    enviado = walk.como_cada_uno(
        "POST", "/api/v1/pases", "pase.enviar", usuarios=("mesa.cap",), json=_envio(walk, eid)
    )["mesa.cap"].json()
    pase = enviado["pases"][0]
    _en_mesa(walk, pase["id"])
    walk.como_cada_uno(
        "POST", f"/api/v1/pases/{pase['id']}/rechazo", "pase.rechazar",
        usuarios=("mesa.cap", "consulta.sgg", "mesa.sgg"), json={"motivo": "No es de esta mesa"},
    )  # fmt: skip

    def de_vuelta() -> bool:
        r = fuera(walk, "mesa.cap", "GET", f"/api/v1/expedientes/{eid}/pases").json()
        return r["tenencia"]["mesa_id"] == walk.cuentas["mesa.cap"].mesa_id

    hasta(de_vuelta, "el expediente rechazado vuelve a su mesa")
    # An accumulation is on both files' trails: one record each.
    acumular = {"expediente_id": eid, "motivo": "Tratan lo mismo"}
    walk.como_cada_uno(
        "POST", f"/api/v1/expedientes/{principal}/acumulados", "expediente.acumular",
        usuarios=("consulta.cap", "mesa.sgg"), json=acumular,
    )  # fmt: skip
    acumulado = walk.como_cada_uno(
        "POST", f"/api/v1/expedientes/{principal}/acumulados", "expediente.acumular",
        usuarios=("mesa.cap",), ademas=("expediente.acumular",), json=acumular,
    )["mesa.cap"]  # fmt: skip
    walk.como_cada_uno(
        "GET", f"/api/v1/expedientes/{principal}/acumulados", "expediente.ver_acumulados",
        usuarios=(*PERFILES.values(), "mesa.sgg"),
    )  # fmt: skip
    desglose = {"motivo": "Siguen por separado"}
    walk.como_cada_uno(
        "POST", f"/api/v1/expedientes/{principal}/acumulados/{eid}/desglose",
        "expediente.desglosar", usuarios=("consulta.cap", "mesa.sgg"), json=desglose,
    )  # fmt: skip
    walk.como_cada_uno(
        "POST", f"/api/v1/expedientes/{principal}/acumulados/{eid}/desglose",
        "expediente.desglosar", usuarios=("mesa.cap",), ademas=("expediente.desglosar",),
        json=desglose,
    )  # fmt: skip
    assert acumulado.status_code == 201, acumulado.text
    avisos = walk.como_cada_uno(
        "GET", "/api/v1/mesa/avisos", "mesa.avisos_ver", usuarios=(*PERFILES.values(), "mesa.sgg")
    )["mesa.cap"].json()
    walk.como_cada_uno(  # the same settings again: other tests' alerts stay as they were
        "PUT", "/api/v1/mesa/avisos", "mesa.avisos_cambiar",
        usuarios=("consulta.cap", "mesa.cap"),
        json={"correo": avisos["correo"] or CORREO, "activo": avisos["activo"]},
    )  # fmt: skip
    walk.comprobar()
