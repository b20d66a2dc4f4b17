"""Through the API: an upload is answered at once and digitised by a worker; the archivo's
answer shows the progress, `GET .../miniatura` is 404 with a clear reason before and the PNG
after, within the scope rules, and every look is recorded (`archivo.ver_miniatura`)."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import escaneos
from archivos_escena import Escena
from digitalizacion_ayudas import ESPERA_OCR, escuchar_procesados, worker_en_proceso
from PIL import Image

from archivos.service.miniatura import EN_CURSO, VER_MINIATURA
from sigexp_testing.infra import TestInfra
from sigexp_testing.waiting import wait_until


async def _archivo(escena: Escena, expediente_id: object, archivo_id: str) -> dict:
    respuesta = await escena.cliente.get(
        f"/api/v1/expedientes/{expediente_id}/archivos", headers=escena.auth(perfil="AUTORIDAD")
    )
    assert respuesta.status_code == 200, respuesta.text
    return next(a for a in respuesta.json()["items"] if a["id"] == archivo_id)


async def test_la_miniatura_es_404_antes_y_el_png_despues_de_digitalizar(
    escena: Escena, infra: TestInfra, tmp_path: Path
) -> None:
    expediente = await escena.expediente()
    carga = escena.auth(mesa=expediente.mesa)
    escaneo = escaneos.png(escaneos.paginas_del_parrafo(1, "DISPOSICIÓN")[0])
    subida = await escena.subir(expediente, escaneo, nombre="disposicion.png")
    assert subida.status_code == 201, subida.text
    archivo_id = subida.json()["id"]
    assert subida.json()["estado_procesamiento"] == "PENDIENTE"  # no worker runs yet

    antes = await escena.cliente.get(f"/api/v1/archivos/{archivo_id}/miniatura", headers=carga)
    assert antes.status_code == 404
    assert antes.headers["content-type"].startswith("application/problem+json")
    assert antes.json()["detail"] == EN_CURSO

    async with escuchar_procesados(infra.amqp_url) as procesados, worker_en_proceso(escena.app):
        evento = await procesados.esperar(archivo_id)  # type: ignore[arg-type]
    assert evento["estado"] == "LISTO"
    assert "DISPOSICIÓN" in evento["texto"]
    assert "habilitación" in evento["texto"]

    despues = await escena.cliente.get(f"/api/v1/archivos/{archivo_id}/miniatura", headers=carga)
    assert despues.status_code == 200
    assert despues.headers["content-type"] == "image/png"
    (tmp_path / "miniatura.png").write_bytes(despues.content)  # to look at it
    with Image.open(io.BytesIO(despues.content)) as imagen:
        assert imagen.format == "PNG"
        assert max(imagen.size) == 320
    archivo = await _archivo(escena, expediente.id, archivo_id)
    assert archivo["estado_procesamiento"] == "LISTO"
    assert (archivo["paginas"], archivo["progreso"]) == (1, {"hechas": 1, "total": 1})

    registros = await escena.auditados(VER_MINIATURA, f"archivo/{archivo_id}")
    assert [r["resultado"] for r in registros] == ["DENEGADO", "ok"]


async def test_la_miniatura_fuera_de_alcance_se_niega_y_queda_registrada(
    escena: Escena,
) -> None:
    expediente = await escena.expediente()
    subida = await escena.subir(expediente, escaneos.pdf_con_texto(["Nota breve de elevacion"]))
    archivo_id = subida.json()["id"]
    ajena = escena.auth(perfil="CONSULTA", mesa=uuid.uuid4())
    respuesta = await escena.cliente.get(f"/api/v1/archivos/{archivo_id}/miniatura", headers=ajena)
    assert respuesta.status_code == 403
    assert await escena.denegados(VER_MINIATURA, expediente.id) == ["403"]


async def test_un_pdf_daniado_subido_queda_en_error_y_la_miniatura_dice_por_que(
    escena: Escena, infra: TestInfra
) -> None:
    expediente = await escena.expediente()
    daniado = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\nnada mas\n%%EOF\n"
    subida = await escena.subir(expediente, daniado, nombre="roto.pdf")
    assert subida.status_code == 201, subida.text
    archivo_id = subida.json()["id"]
    async with escuchar_procesados(infra.amqp_url) as procesados, worker_en_proceso(escena.app):
        evento = await procesados.esperar(archivo_id)  # type: ignore[arg-type]
    assert evento["estado"] == "ERROR"
    archivo = await _archivo(escena, expediente.id, archivo_id)
    assert archivo["estado_procesamiento"] == "ERROR"
    assert archivo["error_procesamiento"] == "El PDF está dañado o incompleto y no se puede leer."
    respuesta = await escena.cliente.get(
        f"/api/v1/archivos/{archivo_id}/miniatura", headers=escena.auth(mesa=expediente.mesa)
    )
    assert respuesta.status_code == 404
    assert respuesta.json()["detail"] == (
        "El archivo no tiene miniatura: no se pudo digitalizar (El PDF está dañado o incompleto "
        "y no se puede leer)."
    )


async def test_el_progreso_de_un_ocr_largo_se_ve_en_la_respuesta_del_archivo(
    escena: Escena,
) -> None:
    expediente = await escena.expediente()
    lote = escaneos.tiff(escaneos.paginas_del_parrafo(4, "FOJA"))
    subida = await escena.subir(expediente, lote, nombre="lote.tif")
    assert subida.status_code == 201, subida.text
    archivo_id = subida.json()["id"]
    vistos: list[tuple[str, dict]] = []
    async with worker_en_proceso(escena.app):

        async def listo() -> bool:
            archivo = await _archivo(escena, expediente.id, archivo_id)
            vistos.append((archivo["estado_procesamiento"], archivo["progreso"]))
            return archivo["estado_procesamiento"] == "LISTO"

        await wait_until(listo, timeout=ESPERA_OCR)
    a_medias = [
        p for e, p in vistos if e == "PROCESANDO" and p["total"] == 4 and 0 < p["hechas"] < 4
    ]
    assert a_medias, vistos
    assert vistos[-1] == ("LISTO", {"hechas": 4, "total": 4})
