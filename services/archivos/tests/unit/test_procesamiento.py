"""The digitisation pipeline over files on disk, with the real tesseract and its Spanish data:
text layers are read, scans OCRed page by page, thumbnails drawn, and a file that cannot be
read says why in words a clerk understands."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import escaneos
import pytest
from fpdf import FPDF
from PIL import Image

from archivos.procesamiento import ArchivoIlegible, procesar, recortar
from archivos.procesamiento.pipeline import MINIATURA_PX


def _escribir(carpeta: Path, nombre: str, contenido: bytes) -> Path:
    ruta = carpeta / nombre
    ruta.write_bytes(contenido)
    return ruta


def test_un_png_escaneado_da_su_texto_en_castellano_con_acentos(tmp_path: Path) -> None:
    ruta = _escribir(tmp_path, "escaneo", escaneos.png(escaneos.paginas_del_parrafo(1)[0]))
    resultado = procesar(ruta)
    assert resultado.paginas == 1
    for palabra in ("habilitación", "señora", "Rodríguez", "jurídicos", "EXPEDIENTE"):
        assert palabra in resultado.texto


def test_un_pdf_con_capa_de_texto_se_lee_tal_cual(tmp_path: Path) -> None:
    contenido = escaneos.pdf_con_texto(
        ["Resolucion de la Direccion de Catastro sobre la parcela 44", "Segunda hoja: anexo"]
    )
    avances: list[tuple[int, int]] = []
    ruta = _escribir(tmp_path, "a.pdf", contenido)
    resultado = procesar(ruta, lambda h, t: avances.append((h, t)))
    assert resultado.paginas == 2
    assert "Resolucion de la Direccion de Catastro sobre la parcela 44" in resultado.texto
    assert "Segunda hoja: anexo" in resultado.texto
    assert avances == [(0, 2), (1, 2), (2, 2)]


def test_un_pdf_escaneado_sin_capa_de_texto_se_lee_por_ocr(tmp_path: Path) -> None:
    contenido = escaneos.pdf_escaneado(escaneos.paginas_del_parrafo(1, "DICTAMEN"), tmp_path)
    resultado = procesar(_escribir(tmp_path, "scan.pdf", contenido), dpi=200)
    assert resultado.paginas == 1
    assert "DICTAMEN" in resultado.texto
    assert "constancia" in resultado.texto


def test_un_tiff_de_varias_paginas_avanza_pagina_por_pagina(tmp_path: Path) -> None:
    contenido = escaneos.tiff(escaneos.paginas_del_parrafo(3, "FOJA"))
    avances: list[tuple[int, int]] = []
    resultado = procesar(
        _escribir(tmp_path, "lote.tif", contenido), lambda h, t: avances.append((h, t))
    )
    assert resultado.paginas == 3
    assert avances == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert [f"FOJA {n}-2026" in resultado.texto for n in (1, 2, 3)] == [True] * 3
    assert resultado.texto.index("FOJA 1-2026") < resultado.texto.index("FOJA 3-2026")


def test_la_miniatura_es_un_png_pequenio_de_la_primera_pagina(tmp_path: Path) -> None:
    contenido = escaneos.tiff(escaneos.paginas_del_parrafo(2))
    resultado = procesar(_escribir(tmp_path, "lote.tif", contenido))
    miniatura = _escribir(tmp_path, "miniatura.png", resultado.miniatura)
    with Image.open(miniatura) as imagen:
        assert imagen.format == "PNG"
        assert max(imagen.size) == MINIATURA_PX
        assert imagen.size[0] < imagen.size[1]  # the page's portrait shape is kept


def test_un_pdf_daniado_es_ilegible_y_lo_dice(tmp_path: Path) -> None:
    ruta = _escribir(tmp_path, "roto.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog \n basura")
    with pytest.raises(ArchivoIlegible, match="El PDF está dañado o incompleto"):
        procesar(ruta)


def test_un_pdf_con_contrasenia_es_ilegible_y_pide_subirlo_sin_ella(tmp_path: Path) -> None:
    documento = FPDF()
    documento.set_encryption(owner_password="duenio", user_password="secreta")
    documento.add_page()
    documento.set_font("helvetica", size=12)
    documento.cell(text="Contenido reservado")
    ruta = _escribir(tmp_path, "cifrado.pdf", bytes(documento.output()))
    with pytest.raises(ArchivoIlegible, match="protegido con contraseña"):
        procesar(ruta)


def test_una_imagen_truncada_es_ilegible(tmp_path: Path) -> None:
    entero = escaneos.png(escaneos.paginas_del_parrafo(1)[0])
    ruta = _escribir(tmp_path, "cortada.png", entero[: len(entero) // 3])
    with pytest.raises(ArchivoIlegible, match="La imagen está dañada"):
        procesar(ruta)


def test_un_archivo_que_no_es_pdf_ni_imagen_no_se_digitaliza(tmp_path: Path) -> None:
    ruta = _escribir(tmp_path, "falso.pdf", b"PK\x03\x04 esto es un zip con nombre de pdf")
    with pytest.raises(ArchivoIlegible, match="no es un PDF ni una imagen"):
        procesar(ruta)


def test_el_texto_largo_se_corta_en_un_limite_de_palabra() -> None:
    texto = "expediente " * 20  # 220 characters
    recortado, truncado = recortar(texto, 100)
    assert truncado
    assert len(recortado) <= 100
    assert recortado.split() == ["expediente"] * (len(recortado.split()))
    assert recortado.endswith("expediente")
    assert recortar("corto", 100) == ("corto", False)
    assert recortar("palabra siguiente", 7) == ("palabra", True)  # the space after the limit
    assert recortar("x" * 150, 100) == ("x" * 100, True)  # one giant word: cut at the limit


def test_el_proceso_hijo_informa_cada_pagina_y_deja_texto_y_miniatura(tmp_path: Path) -> None:
    entrada = _escribir(tmp_path, "lote", escaneos.tiff(escaneos.paginas_del_parrafo(2)))
    salida = tmp_path / "salida"
    salida.mkdir()
    corrida = subprocess.run(
        [sys.executable, "-m", "archivos.procesamiento", str(entrada), str(salida)],
        capture_output=True,
        check=True,
    )
    informes = [json.loads(linea) for linea in corrida.stdout.decode().splitlines()]
    assert informes == [
        {"hechas": 0, "total": 2},
        {"hechas": 1, "total": 2},
        {"hechas": 2, "total": 2},
        {"resultado": "LISTO", "paginas": 2},
    ]
    assert "EXPEDIENTE 2-2026" in (salida / "texto.txt").read_text(encoding="utf-8")
    assert (salida / "miniatura.png").read_bytes().startswith(b"\x89PNG")


def test_el_proceso_hijo_informa_el_motivo_de_un_archivo_ilegible(tmp_path: Path) -> None:
    entrada = _escribir(tmp_path, "roto.pdf", b"%PDF-1.4 nada mas")
    corrida = subprocess.run(
        [sys.executable, "-m", "archivos.procesamiento", str(entrada), str(tmp_path)],
        capture_output=True,
        check=True,
    )
    assert json.loads(corrida.stdout.decode().splitlines()[-1]) == {
        "resultado": "ILEGIBLE",
        "motivo": "El PDF está dañado o incompleto y no se puede leer.",
    }
