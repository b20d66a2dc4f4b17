"""Original file names: kept as the user gave them, made safe to store and to send back.

Stored: the last path component only (a browser may send `C:\\fakepath\\x.pdf`), without
control or format characters, NFC, at most 255 characters (the extension kept). Sent back in
`Content-Disposition` as RFC 6266 says: an ASCII `filename` fallback and the exact name in
`filename*` (RFC 8187, UTF-8, percent-encoded), so no name can break the header.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

MAX_NOMBRE = 255
POR_DEFECTO = "archivo"
_NO_ASCII_SEGURO = set('"\\;%')


# What browsers escape in a multipart `filename` (WHATWG HTML, "multipart/form-data encoding
# algorithm"): the quote comes back, line breaks are control characters and go.
_ESCAPES_DE_FORMULARIO = {"%22": '"', "%0D": "", "%0A": "", "%0d": "", "%0a": ""}


def nombre_seguro(crudo: str | None) -> str:
    nombre = crudo or ""
    for escape, caracter in _ESCAPES_DE_FORMULARIO.items():
        nombre = nombre.replace(escape, caracter)
    nombre = nombre.replace("\\", "/").rsplit("/", 1)[-1]
    nombre = unicodedata.normalize("NFC", nombre)
    nombre = "".join(c for c in nombre if unicodedata.category(c)[0] != "C").strip()
    if nombre in {"", ".", ".."}:
        return POR_DEFECTO
    if len(nombre) <= MAX_NOMBRE:
        return nombre
    base, punto, extension = nombre.rpartition(".")
    if punto and 0 < len(extension) <= 16:
        return base[: MAX_NOMBRE - len(extension) - 1] + "." + extension
    return nombre[:MAX_NOMBRE]


def _ascii(nombre: str) -> str:
    plano = unicodedata.normalize("NFKD", nombre).encode("ascii", "ignore").decode("ascii")
    limpio = "".join("_" if c in _NO_ASCII_SEGURO or not c.isprintable() else c for c in plano)
    return limpio.strip() or POR_DEFECTO


def content_disposition(nombre: str, disposicion: str = "attachment") -> str:
    """`attachment; filename="..."; filename*=UTF-8''...` for `nombre` (RFC 6266 §4.3)."""
    return (
        f"{disposicion}; filename=\"{_ascii(nombre)}\"; filename*=UTF-8''{quote(nombre, safe='')}"
    )
