"""PDF documents through pypdfium2: the text layer of each page, OCR where a page has none."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from archivos.procesamiento import ocr
from archivos.procesamiento.documento import ArchivoIlegible

# A page whose text layer has fewer visible characters than this is a scan (at most a stamp
# or a page number over the image): it is OCRed instead.
MINIMO_TEXTO = 16
MAXIMO_PIXELES = 40_000_000  # a page rendered for OCR (an A4 at 300 dpi is 8.7 million)

PROTEGIDO = "El PDF está protegido con contraseña: súbalo sin contraseña para digitalizarlo."
DANIADO = "El PDF está dañado o incompleto y no se puede leer."


def _motivo(error: pdfium.PdfiumError) -> str:
    if error.err_code == pdfium_c.FPDF_ERR_PASSWORD:
        return PROTEGIDO
    if error.err_code == pdfium_c.FPDF_ERR_SECURITY:
        return "El PDF usa una protección que no se puede abrir: súbalo sin protección."
    return DANIADO


class DocumentoPdf:
    def __init__(self, ruta: Path, dpi: int, idioma: str) -> None:
        try:
            self._pdf = pdfium.PdfDocument(ruta)
        except pdfium.PdfiumError as exc:
            raise ArchivoIlegible(_motivo(exc)) from exc
        self.paginas = len(self._pdf)
        if self.paginas == 0:
            self._pdf.close()
            raise ArchivoIlegible("El PDF no tiene páginas.")
        self._dpi, self._idioma = dpi, idioma

    def _pagina(self, indice: int) -> pdfium.PdfPage:
        try:
            return self._pdf[indice]
        except pdfium.PdfiumError as exc:
            raise ArchivoIlegible(f"{DANIADO} (página {indice + 1})") from exc

    def primera_pagina(self) -> Image.Image:
        return self._render(self._pagina(0), dpi=72)

    def textos(self) -> Iterator[str]:
        for indice in range(self.paginas):
            pagina = self._pagina(indice)
            texto = pagina.get_textpage().get_text_bounded()
            if len("".join(texto.split())) < MINIMO_TEXTO:
                texto = ocr.reconocer(self._render(pagina, self._dpi), self._idioma)
            yield texto.replace("\r\n", "\n")

    def _render(self, pagina: pdfium.PdfPage, dpi: int) -> Image.Image:
        ancho, alto = pagina.get_size()  # points, 1/72 inch
        escala = min(dpi / 72, math.sqrt(MAXIMO_PIXELES / max(ancho * alto, 1.0)))
        imagen: Image.Image = pagina.render(scale=escala, grayscale=True).to_pil()
        return imagen

    def close(self) -> None:
        self._pdf.close()
