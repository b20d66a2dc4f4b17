"""The CSV export of a selection of the audit record, safe to open in a spreadsheet.

Every value comes from outside (user names, catalogue names, resources, addresses a client
wrote): a cell that starts like a formula (`= + - @`, or a tab or carriage return before one)
would run as one in Excel or LibreOffice (OWASP "CSV injection"). Such a cell is prefixed with
`'`, which spreadsheets show as text; every cell is quoted, quotes inside doubled."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

from auditoria.models import Registro

COLUMNAS = (
    "en",
    "seq",
    "servicio",
    "usuario_id",
    "usuario",
    "perfil",
    "accion",
    "recurso",
    "expediente_id",
    "ip",
    "resultado",
    "mesa_id",
    "organismo_id",
    "request_id",
    "detalle",
)
FORMULA = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # so that spreadsheets read the file as UTF-8 (accents in names)


def celda(valor: Any) -> str:
    """The text of one cell, neutralised when a spreadsheet would take it for a formula."""
    if valor is None:
        texto = ""
    elif isinstance(valor, dict | list):
        texto = json.dumps(valor, ensure_ascii=False, sort_keys=True)
    else:
        texto = str(valor)
    return "'" + texto if texto.startswith(FORMULA) else texto


def _filas(registros: Iterable[Registro], con_cabecera: bool) -> str:
    salida = io.StringIO()
    escritor = csv.writer(salida, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    if con_cabecera:
        escritor.writerow(COLUMNAS)
    for registro in registros:
        escritor.writerow(
            celda(registro.en.isoformat() if c == "en" else getattr(registro, c)) for c in COLUMNAS
        )
    return salida.getvalue()


def csv_de(registros: Iterable[Registro]) -> str:
    return BOM + _filas(registros, con_cabecera=True)


async def csv_en_partes(paginas: AsyncIterator[Sequence[Registro]]) -> AsyncIterator[str]:
    """The same file a page at a time: the BOM and the header, then each page's rows."""
    yield BOM + _filas((), con_cabecera=True)
    async for pagina in paginas:
        yield _filas(pagina, con_cabecera=False)
