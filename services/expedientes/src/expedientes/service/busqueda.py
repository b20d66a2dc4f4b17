"""Searching expedientes, for the scoped listing and the consulta global: Spanish full text over
what each file says and what its documents say, referencias and numbers matched exactly, best
matches first, paged by a keyset cursor (never OFFSET). The documents' text it searches is kept
by `service/textos.py`.

Relevance comes in tiers, each read newest first through an index that serves that order:
0. the file `q` names: its referencia (`123-ABC-2024`), a partial one (`123`, `123-2024`,
   `123-ABC`) or its GDE number, matched exactly (`ix_expedientes_numero`,
   `ix_expedientes_numero_gde`; a number alone, newest first, `ix_expedientes_numero_creado_en`);
1. files whose own data hold every word: extracto, instrument, GDE number (`busqueda`);
2. files that hold them only with their documents' words (`ix_expedientes_con_documentos`, a
   GIN index of the file's words and its documents' together, over the files with documents).
A page reads the tiers in order until it is full, one statement each (a referencia's three in
one, `Lectura.por_niveles`: its own tier rarely fills a page); the cursor says the tier and the
(creado_en, id) it stopped at. A desk's clerk's tier 1 is first read through the desk's
newest files when PostgreSQL's statistics say its words are common enough to fill a page there
(`service/frecuencias.py`), else from the GIN indexes at once. A desk's tiers read from the
indexes ask the desk's own keys of the words and the number (`Busqueda.en_la_mesa`, migration
busq_04: "b167344f:compr"), so they read only the desk's matches. Ranking every match by
`ts_rank` instead would read and sort every row that holds a common word (tens of thousands at
a million files) for each page; the tiers keep a page's work bounded whatever the word, and
rank the way a clerk expects (the file whose extracto says it, before the one whose attachment
mentions it).

Words go through `sigexp_texto` and the `sigexp_es` configuration (migration expbus_01): no
accents, no case, Spanish stems ("licitación" finds "LICITACIONES"). The words are written into
the statement as a literal, so PostgreSQL plans each search for its own words (how common they
are decides between the GIN index and the newest-first walk); a bound parameter would let it
settle on one generic plan for every word.

The statements are written by `service/lectura.py` (`Lectura`: where a page is read from) and
run on the request's asyncpg connection; their rows feed `ExpedienteLeido.de`.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from expedientes.service import frecuencias
from expedientes.service.lectura import (
    EN_VENTANA,
    NIVEL,
    VENTANA,
    Condicion,
    Lectura,
    Posicion,
    Sql,
    constante,
    literal,
)
from expedientes.service.textos import CONFIGURACION, olvidar_texto, registrar_texto
from sigexp_common import entrada
from sigexp_common.errors import PeticionInvalida

__all__ = [
    "CONFIGURACION",
    "Busqueda",
    "Condicion",
    "Lectura",
    "constante",
    "olvidar_texto",
    "pagina",
    "registrar_texto",
]

IDENTIDAD, DATOS, DOCUMENTOS = 0, 1, 2
LLENA = 1.5
"""Matches expected in a desk's window, in pages (rows still missing), for a page of words to
be read through it first."""

_REFERENCIA = re.compile(r"(\d{1,8})(?:-([A-Za-zÑñ]{1,10}))?(?:-(\d{4}))?")
_GDE = re.compile(r"[A-Za-z]{2,6}-\d{4}-\d{1,10}-.*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _fija(texto: str) -> Condicion:
    return lambda _: texto


@dataclass(frozen=True)
class Busqueda:
    """What `q` asks for, read once: its words, and the file it names when it names one."""

    palabras: str
    numero: int | None = None
    letras: str | None = None
    anio: int | None = None
    gde: str | None = None

    @classmethod
    def de(cls, q: str) -> Busqueda:
        palabras = " ".join(_CONTROL.sub(" ", q).split())
        referencia = _REFERENCIA.fullmatch(palabras)
        if referencia:
            numero, letras, anio = referencia.groups()
            return cls(
                palabras,
                numero=int(numero),
                letras=letras.upper() if letras else None,
                anio=int(anio) if anio else None,
            )
        if _GDE.fullmatch(palabras):
            return cls(palabras, gde=palabras.upper())
        return cls(palabras)

    def identidad(self) -> Condicion | None:
        """The file `q` names, as a condition on its own indexes (`ix_expedientes_numero`,
        `ix_expedientes_numero_gde`); None when it names none."""
        if self.gde is not None:
            gde = self.gde
            return lambda _: f"upper(expedientes.numero_gde) = {constante(gde)}"
        if self.numero is None:
            return None
        valores = {"numero": self.numero, "anio": self.anio, "letras": self.letras}

        def condicion(_: Sql) -> str:
            partes = [
                f"expedientes.{k} = {constante(v)}" for k, v in valores.items() if v is not None
            ]
            return " AND ".join(partes)

        return condicion

    def consulta(self) -> str:
        """The words as a tsquery (every word, stemmed), planned for these very words."""
        texto = literal(self.palabras)
        return f"plainto_tsquery('{CONFIGURACION}'::regconfig, sigexp_texto({texto}))"

    def _en_datos(self) -> str:
        """Files whose own data hold every word (`busqueda @@ words`)."""
        return f"expedientes.busqueda @@ {self.consulta()}"

    def en_sus_datos(self) -> Condicion:
        """Files whose own data hold every word, checked file by file (a desk's window)."""
        return _fija(self._en_datos())

    def en_la_mesa(self, mesa_id: uuid.UUID, palabras: str = "expedientes.busqueda") -> str:
        """The words as keys of the desk `mesa_id` among the files' `palabras` (migration
        busq_04: `ix_expedientes_palabras_por_mesa`, or `ix_expedientes_documentos_por_mesa`
        for the words of the file and its documents together): the desk's files that hold them
        all, and perhaps a few of a desk whose id begins alike (the exact conditions go beside
        it)."""
        buscadas = (
            f"to_tsvector('{CONFIGURACION}'::regconfig, sigexp_texto({literal(self.palabras)}))"
        )
        return _claves_de_la_mesa(mesa_id, palabras, buscadas, "NULL::integer")

    def numero_en_la_mesa(self, mesa_id: uuid.UUID, numero: int) -> str:
        """The number as a key of the desk `mesa_id` (busq_04: "b167344f:#207"): the desk's
        files of that number, in any series, and perhaps a few of a desk whose id begins
        alike."""
        return _claves_de_la_mesa(mesa_id, "expedientes.busqueda", "''::tsvector", str(numero))

    def niveles(self, mesa_id: uuid.UUID | None = None) -> list[tuple[int, Condicion]]:
        """The tiers, best first, each the condition of its rows only (no row in two), as read
        from the files' indexes; within the scope of `mesa_id`, if given, through the desk's
        keys of the files' words and of their documents' (`en_la_mesa`)."""
        consulta = self.consulta()
        en_datos = self._en_datos()
        todas = "(expedientes.busqueda || expedientes.texto_documentos)"
        # Served by `ix_expedientes_con_documentos` (migration expbus_02): that very expression,
        # over the files that have documents' text only.
        con_documentos = (
            f"expedientes.texto_documentos IS NOT NULL AND {todas} @@ {consulta} "
            f"AND NOT ({en_datos})"
        )
        en_datos_de_la_mesa = en_datos
        if mesa_id is not None:
            en_datos_de_la_mesa = f"{self.en_la_mesa(mesa_id)} AND {en_datos}"
            con_documentos = f"{self.en_la_mesa(mesa_id, todas)} AND {con_documentos}"
        identidad = self.identidad()
        if identidad is None:
            return [(DATOS, _fija(en_datos_de_la_mesa)), (DOCUMENTOS, _fija(con_documentos))]

        def sin(condicion: str) -> Condicion:
            return lambda s: f"{condicion} AND NOT ({identidad(s)})"

        nombrada = identidad
        if mesa_id is not None and self.numero is not None:
            claves = self.numero_en_la_mesa(mesa_id, self.numero)

            def nombrada(s: Sql) -> str:
                return f"{claves} AND {identidad(s)}"

        return [
            (IDENTIDAD, nombrada),
            (DATOS, sin(en_datos_de_la_mesa)),
            (DOCUMENTOS, sin(con_documentos)),
        ]


def _claves_de_la_mesa(mesa_id: uuid.UUID, palabras: str, buscadas: str, numero: str) -> str:
    """The files whose keys of `palabras` (and number) in the desk `mesa_id` hold the keys of
    `buscadas` and `numero`. Written of constants only, so PostgreSQL computes the keys wanted
    while planning, and estimates them. Words that are all stop words give no key: `{-}`, a key
    no file holds, then finds nothing, as their tsquery does (an empty array would be held by
    every file)."""
    mesa = f"ARRAY[{constante(str(mesa_id))}::uuid]"
    buscadas_claves = f"sigexp_palabras_por_mesa({mesa}, {buscadas}, {numero})"
    return (
        f"sigexp_palabras_por_mesa(expedientes.mesas, {palabras}, expedientes.numero) @> "
        f"COALESCE(NULLIF({buscadas_claves}, '{{}}'), '{{-}}')"
    )


async def conexion(db: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under the request's session (its transaction, if any)."""
    crudo = await (await db.connection()).get_raw_connection()
    driver: asyncpg.Connection = crudo.driver_connection
    return driver


async def _leer(
    conexion: asyncpg.Connection,
    lectura: Lectura,
    condicion: Condicion | None,
    desde: Posicion | None,
    faltan: int,
    ventana: bool = True,
    en_ventana: Condicion | None = None,
) -> list[asyncpg.Record]:
    filas: list[asyncpg.Record] = []
    for sql, args in lectura.sentencias(condicion, desde, faltan, ventana, en_ventana):
        filas = await conexion.fetch(sql, *args)
        if len(filas) >= faltan or (filas and filas[0].get(EN_VENTANA, 0) < VENTANA):
            break
    return filas


async def pagina(
    conexion: asyncpg.Connection,
    lectura: Lectura,
    busqueda: Busqueda | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[asyncpg.Record], str | None]:
    """One page of `lectura`: newest first without words, else by tier and newest first within
    each; and the cursor of the next page."""
    if busqueda is None:
        desde = _leer_cursor(cursor) if cursor else None
        rows = await _leer(conexion, lectura, None, desde, limit + 1)
        siguiente = _cursor(rows[limit - 1]) if len(rows) > limit else None
        return rows[:limit], siguiente

    desde_nivel = _leer_cursor_con_nivel(cursor) if cursor else None
    niveles: list[tuple[int, Condicion, Posicion | None]] = []
    for nivel, condicion in busqueda.niveles(lectura.mesa_id):
        if desde_nivel is not None and nivel < desde_nivel[0]:
            continue
        posicion = None
        if desde_nivel is not None and nivel == desde_nivel[0]:
            posicion = (desde_nivel[1], desde_nivel[2])
        niveles.append((nivel, condicion, posicion))
    if busqueda.identidad() is not None:  # a referencia: every tier in one statement
        sql, args = lectura.por_niveles(niveles, limit + 1)
        filas = [(row[NIVEL], row) for row in await conexion.fetch(sql, *args)]
    else:
        filas = await _nivel_a_nivel(conexion, lectura, busqueda, niveles, limit + 1)
    siguiente = None
    if len(filas) > limit:
        nivel, ultima = filas[limit - 1]
        siguiente = entrada.cursor(str(nivel), ultima["creado_en"].isoformat(), str(ultima["id"]))
    return [row for _, row in filas[:limit]], siguiente


async def _nivel_a_nivel(
    conexion: asyncpg.Connection,
    lectura: Lectura,
    busqueda: Busqueda,
    niveles: list[tuple[int, Condicion, Posicion | None]],
    faltan: int,
) -> list[tuple[int, asyncpg.Record]]:
    """Up to `faltan` rows, a tier at a time until they are there (a tier that fills the page
    spares the reading of the next ones)."""
    filas: list[tuple[int, asyncpg.Record]] = []
    for nivel, condicion, posicion in niveles:
        ventana = nivel == DATOS and await _llenan_la_ventana(
            conexion, lectura, busqueda, faltan - len(filas)
        )
        # The window checks its files one by one: the words alone, not the desk's keys.
        leidas = await _leer(
            conexion,
            lectura,
            condicion,
            posicion,
            faltan - len(filas),
            ventana,
            busqueda.en_sus_datos(),
        )
        filas.extend((nivel, row) for row in leidas)
        if len(filas) >= faltan:
            break
    return filas


async def _llenan_la_ventana(
    conexion: asyncpg.Connection, lectura: Lectura, busqueda: Busqueda, faltan: int
) -> bool:
    """Whether a desk's newest files (`Lectura`'s window) likely hold the `faltan` rows:
    PostgreSQL's statistics say enough files hold every word (`frecuencias`) to expect half as
    many again among VENTANA files. Otherwise the window would be read in vain, then the
    files' own indexes. Only a desk's clerk reads through a window."""
    if lectura.mesa_id is None:
        return False
    compartida = await frecuencias.frecuencia(conexion, busqueda.palabras)
    return compartida * VENTANA >= faltan * LLENA


def _cursor(row: asyncpg.Record) -> str:
    return entrada.cursor(row["creado_en"].isoformat(), str(row["id"]))


def _leer_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    creado, ident = entrada.leer_cursor(cursor, 2)
    return entrada.instante(creado), entrada.identificador(ident)


def _leer_cursor_con_nivel(cursor: str) -> tuple[int, datetime, uuid.UUID]:
    nivel, creado, ident = entrada.leer_cursor(cursor, 3)
    if nivel not in {str(IDENTIDAD), str(DATOS), str(DOCUMENTOS)}:
        raise PeticionInvalida(entrada.CURSOR_INVALIDO)
    return int(nivel), entrada.instante(creado), entrada.identificador(ident)
