"""Uploads: CARGA users put PDF and image files on expedientes of their desk's scope; the type
comes from the bytes, the size is bounded, the name is kept, the event and the record leave."""

from __future__ import annotations

import hashlib
import uuid

from archivos_escena import Escena, Expediente, pdf, png

from sigexp_common.ids import uuid7


async def test_carga_sube_un_pdf_y_lo_ve_en_la_lista_con_su_procesamiento(escena: Escena) -> None:
    exp = await escena.expediente()
    contenido = pdf("informe", relleno=50_000)

    r = await escena.subir(exp, contenido, "Informe técnico Nº 1.pdf", descripcion="Foja 3")

    assert r.status_code == 201, r.text
    subido = r.json()
    assert subido["nombre"] == "Informe técnico Nº 1.pdf"
    assert (subido["tipo_mime"], subido["tamanio"], subido["version"]) == (
        "application/pdf",
        len(contenido),
        1,
    )
    assert subido["sha256"] == hashlib.sha256(contenido).hexdigest()
    assert subido["estado_procesamiento"] == "PENDIENTE"
    assert subido["progreso"] == {"hechas": 0, "total": None}
    lista = await escena.cliente.get(
        f"/api/v1/expedientes/{exp.id}/archivos", headers=escena.auth("CONSULTA", exp.mesa)
    )
    assert lista.status_code == 200
    (item,) = lista.json()["items"]
    assert (item["id"], item["descripcion"], len(item["versiones"])) == (
        subido["id"],
        "Foja 3",
        1,
    )
    # the object key is the service's own, never the user's name
    (version,) = await escena.filas(
        "SELECT objeto FROM archivo_versiones WHERE archivo_id = :a", a=uuid.UUID(subido["id"])
    )
    assert version.objeto.startswith(f"archivos/{subido['id']}/")
    assert "Informe" not in version.objeto
    bajado = escena.minio.get_object("sigexp-custodia", version.objeto).read()
    assert bajado == contenido


async def test_la_subida_publica_adjuntado_y_deja_su_registro(escena: Escena) -> None:
    exp = await escena.expediente()
    r = await escena.subir(exp, png(), "foto.png")
    archivo_id = r.json()["id"]

    (evento,) = await escena.eventos("sigexp.archivo.adjuntado.v1", archivo_id)
    assert evento["sequence"] == 1
    datos = evento["data"]
    assert datos["expediente_id"] == str(exp.id)
    assert (datos["version"], datos["tipo_mime"], datos["nombre"]) == (1, "image/png", "foto.png")
    assert datos["objeto"].startswith(f"archivos/{archivo_id}/")
    assert datos["por_usuario"] == "carga1"
    assert datos["por_mesa_id"] == str(exp.mesa)
    (registro,) = await escena.auditados("archivo.subir", f"archivo/{archivo_id}")
    assert registro["resultado"] == "ok"
    assert registro["expediente_id"] == str(exp.id)


async def test_un_nombre_que_miente_sobre_el_tipo_no_cambia_lo_que_se_decide(
    escena: Escena,
) -> None:
    exp = await escena.expediente()

    imagen_con_nombre_de_pdf = await escena.subir(exp, png(), "escrito.pdf")
    ejecutable_con_nombre_de_pdf = await escena.subir(exp, b"MZ\x90\x00" + b"\x00" * 200, "a.pdf")
    html_con_nombre_de_png = await escena.subir(exp, b"<html><script>x</script>", "b.png")

    assert imagen_con_nombre_de_pdf.status_code == 201
    assert imagen_con_nombre_de_pdf.json()["tipo_mime"] == "image/png"
    assert imagen_con_nombre_de_pdf.json()["nombre"] == "escrito.pdf"
    for r in (ejecutable_con_nombre_de_pdf, html_con_nombre_de_png):
        assert r.status_code == 415
        assert r.headers["content-type"] == "application/problem+json"
        assert "no es de un tipo admitido" in r.json()["detail"]


async def test_tipo_no_admitido_es_415_en_castellano_y_no_deja_nada(escena: Escena) -> None:
    exp = await escena.expediente()
    antes = escena.claves()

    r = await escena.subir(exp, b"PK\x03\x04 un zip cualquiera" * 100, "planilla.xlsx")

    assert r.status_code == 415
    assert r.json()["detail"].startswith("El archivo no es de un tipo admitido (PDF, PNG, JPEG")
    assert escena.claves() == antes
    assert await escena.sql("SELECT count(*) FROM objetos_pendientes") == 0
    assert await escena.sql("SELECT count(*) FROM archivos WHERE expediente_id = :e", e=exp.id) == 0
    assert await escena.denegados("archivo.subir", exp.id) == ["415"]


async def test_jpeg_y_tiff_se_reconocen_por_su_contenido(escena: Escena) -> None:
    exp = await escena.expediente()
    jpeg = await escena.subir(exp, b"\xff\xd8\xff\xe0" + b"\x00" * 100, "x")
    tiff = await escena.subir(exp, b"II*\x00" + b"\x00" * 100, "scan.tif")
    assert (jpeg.json()["tipo_mime"], tiff.json()["tipo_mime"]) == ("image/jpeg", "image/tiff")


async def test_mas_grande_que_el_maximo_es_413_y_no_deja_nada(escena: Escena) -> None:
    exp = await escena.expediente()
    antes = escena.claves()
    with escena.ajustado(max_upload_mb=1):
        r = await escena.subir(exp, pdf(relleno=1024 * 1024 + 10), "grande.pdf")
    assert r.status_code == 413
    assert r.json()["detail"] == "El archivo supera el máximo de 1 MB."
    assert escena.claves() == antes
    assert await escena.sql("SELECT count(*) FROM objetos_pendientes") == 0
    assert await escena.denegados("archivo.subir", exp.id) == ["413"]


async def test_un_cuerpo_declarado_enorme_es_413_antes_de_leerlo(escena: Escena) -> None:
    exp = await escena.expediente()
    with escena.ajustado(max_upload_mb=1):
        r = await escena.cliente.post(
            f"/api/v1/expedientes/{exp.id}/archivos",
            content=b"--x\r\n",
            headers={
                **escena.auth(mesa=exp.mesa),
                "Content-Type": "multipart/form-data; boundary=x",
                "Content-Length": str(50 * 1024 * 1024),
            },
        )
    assert r.status_code == 413


async def test_sin_archivo_es_422_y_sin_multipart_415(escena: Escena) -> None:
    exp = await escena.expediente()
    sin_archivo = await escena.cliente.post(
        f"/api/v1/expedientes/{exp.id}/archivos",
        data={"descripcion": "nada"},
        files={"otro": ("x.pdf", pdf(), "application/pdf")},
        headers=escena.auth(mesa=exp.mesa),
    )
    json_en_vez_de_formulario = await escena.cliente.post(
        f"/api/v1/expedientes/{exp.id}/archivos",
        json={"archivo": "hola"},
        headers=escena.auth(mesa=exp.mesa),
    )
    assert sin_archivo.status_code == 422
    assert sin_archivo.json()["errors"] == [{"campo": "archivo", "mensaje": "Es obligatorio."}]
    assert json_en_vez_de_formulario.status_code == 415
    assert "multipart/form-data" in json_en_vez_de_formulario.json()["detail"]


async def test_solo_carga_sube_archivos(escena: Escena) -> None:
    exp = await escena.expediente()
    for perfil in ("MESA_ENTRADA", "OFICINA", "CONSULTA", "AUTORIDAD", "ADMIN"):
        r = await escena.subir(exp, pdf(), headers=escena.auth(perfil, exp.mesa))
        assert r.status_code == 403, perfil
        assert r.json()["detail"] == "Su perfil no permite realizar esta acción."
    assert await escena.sql("SELECT count(*) FROM archivos WHERE expediente_id = :e", e=exp.id) == 0


async def test_expediente_anulado_no_admite_archivos(escena: Escena) -> None:
    exp = await escena.expediente()
    previo = (await escena.subir(exp, pdf())).json()["id"]
    await escena.anular(exp)

    subida = await escena.subir(exp, pdf())
    reemplazo = await escena.cliente.put(
        f"/api/v1/archivos/{previo}",
        files={"archivo": ("b.pdf", pdf(), "application/pdf")},
        headers=escena.auth(mesa=exp.mesa),
    )
    baja = await escena.cliente.delete(
        f"/api/v1/archivos/{previo}", headers=escena.auth(mesa=exp.mesa)
    )

    for r in (subida, reemplazo, baja):
        assert r.status_code == 409
        assert r.json()["detail"] == "El expediente fue anulado: no admite cambios en sus archivos."
    (rechazo,) = await escena.auditados("archivo.subir", f"expediente/{exp.id}")
    assert rechazo["resultado"] == "DENEGADO"


async def test_fuera_del_alcance_publico_es_403_y_reservado_como_inexistente(
    escena: Escena,
) -> None:
    publico = await escena.expediente("PUBLICO")
    reservado = await escena.expediente("RESERVADO")
    ajena = escena.auth(mesa=uuid.uuid4())

    a_publico = await escena.subir(publico, pdf(), headers=ajena)
    a_reservado = await escena.subir(reservado, pdf(), headers=ajena)

    assert a_publico.status_code == 403
    # a young RESERVADO out of scope answers what a young unknown id answers (409, retry)
    desconocido = await escena.subir(Expediente(uuid7(), uuid.uuid4()), pdf(), headers=ajena)
    assert a_reservado.status_code == desconocido.status_code == 409
    assert a_reservado.json()["detail"] == desconocido.json()["detail"]
