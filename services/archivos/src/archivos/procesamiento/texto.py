"""The bound on the text an event carries."""

from __future__ import annotations

TEXTO_MAXIMO = 100_000  # characters of `sigexp.archivo.procesado.v1`'s `texto`


def recortar(texto: str, maximo: int = TEXTO_MAXIMO) -> tuple[str, bool]:
    """`texto` whole when it fits, else cut at the last word boundary within `maximo`
    characters (at `maximo` itself for one giant word); and whether it was cut."""
    if len(texto) <= maximo:
        return texto, False
    corte = texto[: maximo + 1]  # a space right after the limit still ends a whole word
    for posicion in range(maximo, 0, -1):
        if corte[posicion].isspace():
            return corte[:posicion].rstrip(), True
    return texto[:maximo], True
