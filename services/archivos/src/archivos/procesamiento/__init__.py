"""Digitisation of one file on disk, as plain functions: count its pages, render a thumbnail
of the first one, read the text layer of PDF pages and OCR the rest (scans, images, PDF pages
without text) with tesseract in Spanish, page by page.

`procesar(ruta, ...)` is the whole pipeline; a file that cannot be read (corrupt, password
protected, not a document) raises `ArchivoIlegible` with a reason a person can read. The worker
runs it in a child process (`python -m archivos.procesamiento`), never in its event loop.
"""

from archivos.procesamiento.documento import ArchivoIlegible, Resultado
from archivos.procesamiento.pipeline import procesar
from archivos.procesamiento.texto import recortar

__all__ = ["ArchivoIlegible", "Resultado", "procesar", "recortar"]
