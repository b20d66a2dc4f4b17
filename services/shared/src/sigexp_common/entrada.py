"""What a client types, taken at its word and no further: strict numbers in request bodies,
literal text in searches, and page cursors that either decode or are refused.

- `Entero`: an integer field of a JSON body; `true` or `"12"` are refused (422), not coerced.
  `Booleano` likewise (`1`, `"true"` refused). Query parameters stay lax (a query string has
  no types).
- `contiene(texto)`: the LIKE/ILIKE pattern "contains `texto`", with `%`, `_` and the escape
  character itself taken literally (use it with `ESCAPE`, the default backslash).
- `cursor(...)` / `leer_cursor(...)`: an opaque page cursor (URL-safe base64 of `|`-joined
  parts); anything that is not one of ours is `PeticionInvalida` (400), never a 500.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Strict

from sigexp_common.errors import PeticionInvalida

Entero = Annotated[int, Strict()]
Booleano = Annotated[bool, Strict()]  # `1` or `"true"` is not a yes

ESCAPE = "\\"
MAX_CURSOR = 200  # characters: ours are well below; the routes bound the parameter with it
_MAX_SEQ = 2**63 - 1  # PostgreSQL's bigint
CURSOR_INVALIDO = "El cursor de paginación no es válido."


def literal(texto: str) -> str:
    """`texto` with LIKE's wildcards (and the escape character) taken literally."""
    return texto.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


def contiene(texto: str) -> str:
    """The LIKE pattern of values that contain `texto` as typed."""
    return f"%{literal(texto)}%"


def cursor(*partes: str) -> str:
    return base64.urlsafe_b64encode("|".join(partes).encode()).decode()


def leer_cursor(valor: str, partes: int) -> list[str]:
    """The `partes` parts of a cursor made by `cursor`; `PeticionInvalida` for anything else."""
    try:
        texto = base64.urlsafe_b64decode(valor.encode("ascii")).decode("utf-8")
    except (UnicodeError, binascii.Error, ValueError) as exc:
        raise PeticionInvalida(CURSOR_INVALIDO) from exc
    trozos = texto.split("|")
    if len(trozos) != partes or not all(trozos) or "\x00" in texto:
        raise PeticionInvalida(CURSOR_INVALIDO)
    return trozos


def instante(texto: str) -> datetime:
    """A cursor's instant: ISO 8601 with its UTC offset."""
    try:
        valor = datetime.fromisoformat(texto)
    except ValueError as exc:
        raise PeticionInvalida(CURSOR_INVALIDO) from exc
    if valor.tzinfo is None:
        raise PeticionInvalida(CURSOR_INVALIDO)
    return valor


def numero(texto: str) -> int:
    """A cursor's sequence number: ASCII digits (no sign, no `²`), within a bigint."""
    if not (texto.isascii() and texto.isdigit()) or int(texto) > _MAX_SEQ:
        raise PeticionInvalida(CURSOR_INVALIDO)
    return int(texto)


def identificador(texto: str) -> uuid.UUID:
    try:
        return uuid.UUID(texto)
    except ValueError as exc:
        raise PeticionInvalida(CURSOR_INVALIDO) from exc
