"""How common the words of a search are among the files, as PostgreSQL's own statistics of
`expedientes.busqueda` say: ANALYZE keeps the most common words (~2,800 at a million files,
statistics target 1000, migration busq_02) with the share of files that hold each
(`pg_stats.most_common_elems`); a word it does not keep is rarer than every word it keeps.

`service/busqueda.py` asks before reading a desk's page through the desk's newest files
(`Lectura`'s window): only words common enough to fill a page there are read that way. A word
held by one file in thirty (`combustible` at the bench's million files) found 28 matches in a
desk's 1,000 newest files, checked one by one (6-7 ms of PostgreSQL), before the page was read
again from the GIN index (3.5 ms) anyway.

The share is read once per text per process and kept `VIGENCIA_S` (ANALYZE changes it slowly):
one statement of ~1 ms the first time a text is searched.
"""

from __future__ import annotations

import math
import time

import asyncpg

from expedientes.service.textos import CONFIGURACION

VIGENCIA_S = 600.0
_MAXIMO = 10_000  # texts kept; past it, the kept ones are forgotten at once

_SQL = f"""
SELECT s.frecuencia
FROM unnest(tsvector_to_array(to_tsvector('{CONFIGURACION}'::regconfig, sigexp_texto($1))))
    AS p(lexema)
LEFT JOIN (
    SELECT unnest(most_common_elems::text::text[]) AS lexema,
           unnest(most_common_elem_freqs) AS frecuencia
    FROM pg_stats
    WHERE schemaname = current_schema() AND tablename = 'expedientes' AND attname = 'busqueda'
) AS s USING (lexema)
"""

_vistas: dict[str, tuple[float, float]] = {}


async def frecuencia(conexion: asyncpg.Connection, palabras: str) -> float:
    """The share of files expected to hold every word of `palabras`: the product of each word's
    share (as if they were independent); 0 when the statistics do not keep one of them, or keep
    none at all (a table never analyzed), or the text is only stop words."""
    ahora = time.monotonic()
    vista = _vistas.get(palabras)
    if vista is not None and vista[1] > ahora:
        return vista[0]
    filas = await conexion.fetch(_SQL, palabras)
    valor = math.prod(fila["frecuencia"] or 0.0 for fila in filas) if filas else 0.0
    if len(_vistas) >= _MAXIMO:
        _vistas.clear()
    _vistas[palabras] = (valor, ahora + VIGENCIA_S)
    return valor


def olvidar() -> None:
    """Forget every share read (after an ANALYZE that should be seen at once: tests)."""
    _vistas.clear()
