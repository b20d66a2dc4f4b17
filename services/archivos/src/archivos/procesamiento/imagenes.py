"""Scans as images through Pillow: PNG, JPEG and TIFF (every page of a multi-page TIFF)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from PIL import Image

from archivos.procesamiento import ocr
from archivos.procesamiento.documento import ArchivoIlegible

DANIADA = "La imagen está dañada o incompleta y no se puede leer."
ENORME = "La imagen es demasiado grande para digitalizarla."
# What Pillow raises on bytes it cannot decode (a truncated or forged file).
_ILEGIBLE = (OSError, SyntaxError, ValueError, EOFError, IndexError)


class DocumentoImagen:
    def __init__(self, ruta: Path, idioma: str) -> None:
        try:
            self._imagen = Image.open(ruta)
            self.paginas = int(getattr(self._imagen, "n_frames", 1))
        except Image.DecompressionBombError as exc:
            raise ArchivoIlegible(ENORME) from exc
        except _ILEGIBLE as exc:
            raise ArchivoIlegible(DANIADA) from exc
        self._idioma = idioma

    def _pagina(self, indice: int) -> Image.Image:
        try:
            self._imagen.seek(indice)
            self._imagen.load()
            return self._imagen.copy()
        except Image.DecompressionBombError as exc:
            raise ArchivoIlegible(ENORME) from exc
        except _ILEGIBLE as exc:
            donde = f" (página {indice + 1})" if self.paginas > 1 else ""
            raise ArchivoIlegible(DANIADA + donde) from exc

    def primera_pagina(self) -> Image.Image:
        return self._pagina(0)

    def textos(self) -> Iterator[str]:
        for indice in range(self.paginas):
            yield ocr.reconocer(self._pagina(indice), self._idioma)

    def close(self) -> None:
        self._imagen.close()
