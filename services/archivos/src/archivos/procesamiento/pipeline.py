"""The whole digitisation of one file: open it by its content, thumbnail, text page by page."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from archivos.procesamiento.documento import ArchivoIlegible, Documento, Resultado
from archivos.procesamiento.imagenes import DocumentoImagen
from archivos.procesamiento.ocr import IDIOMA
from archivos.procesamiento.pdf import DocumentoPdf

MINIATURA_PX = 320  # the thumbnail fits in a square of this side
DPI_OCR = 300
NO_ADMITIDO = "El archivo no es un PDF ni una imagen PNG, JPEG o TIFF: no se puede digitalizar."

Avance = Callable[[int, int], None]  # (pages done, pages)

_FIRMAS_IMAGEN = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")


def abrir(ruta: Path, dpi: int = DPI_OCR, idioma: str = IDIOMA) -> Documento:
    """The document in `ruta`, by its first bytes (never by a name or a declared type)."""
    with ruta.open("rb") as archivo:
        inicio = archivo.read(1024)
    if b"%PDF-" in inicio:  # readers accept a little junk before the header
        return DocumentoPdf(ruta, dpi, idioma)
    if inicio.startswith(_FIRMAS_IMAGEN):
        return DocumentoImagen(ruta, idioma)
    raise ArchivoIlegible(NO_ADMITIDO)


def procesar(
    ruta: Path, al_avanzar: Avance | None = None, dpi: int = DPI_OCR, idioma: str = IDIOMA
) -> Resultado:
    """Digitise the file in `ruta`; `al_avanzar(hechas, total)` is called once the pages are
    counted and after each page. Raises `ArchivoIlegible` for content that cannot be read."""
    avanzar = al_avanzar or (lambda hechas, total: None)
    documento = abrir(ruta, dpi, idioma)
    try:
        avanzar(0, documento.paginas)
        miniatura = png_miniatura(documento.primera_pagina())
        textos: list[str] = []
        for texto in documento.textos():
            textos.append(texto.replace("\x00", "").strip())
            avanzar(len(textos), documento.paginas)
    finally:
        documento.close()
    return Resultado(documento.paginas, "\n\n".join(t for t in textos if t), miniatura)


def png_miniatura(pagina: Image.Image) -> bytes:
    imagen = pagina.convert("RGB") if pagina.mode not in ("L", "RGB") else pagina.copy()
    imagen.thumbnail((MINIATURA_PX, MINIATURA_PX), Image.Resampling.LANCZOS)
    salida = io.BytesIO()
    imagen.save(salida, format="PNG", optimize=True)
    return salida.getvalue()
