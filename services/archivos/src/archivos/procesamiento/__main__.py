"""`python -m archivos.procesamiento ENTRADA SALIDA [--dpi N] [--idioma spa]`: digitise one
file in a process of its own (what the worker runs for each job).

It reports on stdout, one JSON object a line: `{"hechas": k, "total": n}` once the pages are
counted and after each page, then `{"resultado": "LISTO", "paginas": n}` (the text in
`SALIDA/texto.txt`, the thumbnail in `SALIDA/miniatura.png`) or `{"resultado": "ILEGIBLE",
"motivo": ...}`. Anything else (a crash, a missing tesseract) ends with a non-zero exit and the
reason on stderr. Once its parent is gone its next report fails and it stops.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from archivos.procesamiento.documento import ArchivoIlegible
from archivos.procesamiento.pipeline import DPI_OCR, procesar

TEXTO, MINIATURA = "texto.txt", "miniatura.png"


def _informar(**datos: object) -> None:
    print(json.dumps(datos), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m archivos.procesamiento")
    parser.add_argument("entrada", type=Path)
    parser.add_argument("salida", type=Path)
    parser.add_argument("--dpi", type=int, default=DPI_OCR)
    parser.add_argument("--idioma", default="spa")
    args = parser.parse_args()
    try:
        resultado = procesar(
            args.entrada,
            lambda hechas, total: _informar(hechas=hechas, total=total),
            dpi=args.dpi,
            idioma=args.idioma,
        )
    except ArchivoIlegible as ilegible:
        _informar(resultado="ILEGIBLE", motivo=ilegible.motivo)
        return
    (args.salida / TEXTO).write_text(resultado.texto, encoding="utf-8")
    (args.salida / MINIATURA).write_bytes(resultado.miniatura)
    _informar(resultado="LISTO", paginas=resultado.paginas)


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:  # the worker that started it is gone: nobody waits for the result
        sys.exit(2)
