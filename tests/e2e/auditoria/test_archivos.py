"""Archivos' routes as each profile and the other organismo's desk: the list, upload, download
(current and a version), versions, the thumbnail once digitised, replacement and deletion, each
leaving exactly its record, refusals DENEGADO."""

from __future__ import annotations

from recorrido_auditado import PERFILES, Recorrido, alta, conocido, fuera, hasta, pdf

TODOS = (*PERFILES.values(), "mesa.sgg")
SIN_SEGUIR = {"follow_redirects": False}  # a download may answer with a redirect to storage


def _digitalizado(walk: Recorrido, archivo_id: str) -> None:
    def listo() -> bool:
        versiones = fuera(walk, "carga.cap", "GET", f"/api/v1/archivos/{archivo_id}/versiones")
        estados = {v.get("estado_procesamiento") for v in versiones.json()["items"]}
        assert "ERROR" not in estados, versiones.text
        return estados == {"LISTO"}

    hasta(listo, "el archivo queda digitalizado", plazo=120)


def test_cada_ruta_de_archivos_deja_su_registro(recorrido: Recorrido) -> None:
    walk = recorrido
    eid = alta(walk, "mesa.cap", "Expediente con archivos del recorrido")["id"]
    conocido(walk, "mesa.cap", eid)
    subidas = walk.como_cada_uno(
        "POST",
        f"/api/v1/expedientes/{eid}/archivos",
        "archivo.subir",
        usuarios=TODOS,
        files={"archivo": ("nota.pdf", pdf(), "application/pdf")},
    )
    aid = subidas["carga.cap"].json()["id"]
    walk.como_cada_uno(
        "GET", f"/api/v1/expedientes/{eid}/archivos", "archivo.listar", expediente_id=eid,
        usuarios=TODOS,
    )  # fmt: skip
    walk.como_cada_uno(
        "GET", f"/api/v1/archivos/{aid}/contenido", "archivo.descargar", usuarios=TODOS,
        **SIN_SEGUIR,
    )  # fmt: skip
    walk.como_cada_uno("GET", f"/api/v1/archivos/{aid}/versiones", "archivo.listar", usuarios=TODOS)
    _digitalizado(walk, aid)
    walk.como_cada_uno(
        "GET", f"/api/v1/archivos/{aid}/miniatura", "archivo.ver_miniatura", usuarios=TODOS
    )
    walk.como_cada_uno(
        "PUT",
        f"/api/v1/archivos/{aid}",
        "archivo.reemplazar",
        usuarios=("consulta.cap", "mesa.sgg", "carga.cap"),
        files={"archivo": ("nota-v2.pdf", pdf(), "application/pdf")},
    )
    walk.como_cada_uno(
        "GET", f"/api/v1/archivos/{aid}/versiones/1/contenido", "archivo.descargar",
        usuarios=TODOS, **SIN_SEGUIR,
    )  # fmt: skip
    walk.como_cada_uno(
        "DELETE", f"/api/v1/archivos/{aid}", "archivo.eliminar",
        usuarios=("consulta.cap", "mesa.sgg", "carga.cap"),
    )  # fmt: skip
    walk.comprobar()
