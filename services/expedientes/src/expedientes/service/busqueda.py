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
(creado_en, id) it stopped at. Ranking every match by `ts_rank` instead would read and
sort every row that holds a common word (tens of thousands at a million files) for each page;
the tiers keep a page's work bounded whatever the word, and rank the way a clerk expects (the
file whose extracto says it, before the one whose attachment mentions it).

Words go through `sigexp_texto` and the `sigexp_es` configuration (migration expbus_01): no
accents, no case, Spanish stems ("licitación" finds "LICITACIONES"). The words are written into
the statement as a literal, so PostgreSQL plans each search for its own words (how common they
are decides between the GIN index and the newest-first walk); a bound parameter would let it
settle on one generic plan for every word.

The statements are written here as SQL text and run on the request's asyncpg connection
(`Sql`): a page is one to three statements whose words change every time, so building them as
SQLAlchemy expressions, keying and compiling them (none is ever the same twice) cost more of
the service's CPU than PostgreSQL spent running them. Their columns and joins are still
`models.leer_expedientes`' (compiled once), and their rows feed `ExpedienteLeido.de` as before.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy import Select, column, literal_column, select, table
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from expedientes.models import con_nombres, leer_expedientes
from expedientes.service.textos import CONFIGURACION, olvidar_texto, registrar_texto
from sigexp_common import entrada
from sigexp_common.errors import PeticionInvalida

__all__ = [
    "CONFIGURACION",
    "Busqueda",
    "Lectura",
    "constante",
    "olvidar_texto",
    "pagina",
    "registrar_texto",
]

IDENTIDAD, DATOS, DOCUMENTOS = 0, 1, 2

_REFERENCIA = re.compile(r"(\d{1,8})(?:-([A-Za-zÑñ]{1,10}))?(?:-(\d{4}))?")
_GDE = re.compile(r"[A-Za-z]{2,6}-\d{4}-\d{1,10}-.*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Sql:
    """The positional arguments (`$1`, `$2`...) of a statement being written: `arg(v)` keeps
    `v` and answers its placeholder, so text and arguments are written together."""

    __slots__ = ("args",)

    def __init__(self) -> None:
        self.args: list[Any] = []

    def arg(self, valor: Any) -> str:
        self.args.append(valor)
        return f"${len(self.args)}"


Condicion = Callable[[Sql], str]
"""A WHERE condition over `leer_expedientes`' tables (`expedientes`, `custodias`), written
with its arguments."""
Sentencia = tuple[str, list[Any]]


def _fija(texto: str) -> Condicion:
    return lambda _: texto


def _y(condiciones: list[str]) -> str:
    return " AND ".join(f"({c})" for c in condiciones) if condiciones else "true"


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

    def comun_en_la_mesa(self) -> bool:
        """Whether a desk's newest files likely hold a page of matches (`Lectura`'s window):
        for one word, yes; every further word, or a referencia, makes a match rarer."""
        return self.identidad() is None and len(self.palabras.split()) == 1

    def consulta(self) -> str:
        """The words as a tsquery (every word, stemmed), planned for these very words."""
        texto = _literal(self.palabras)
        return f"plainto_tsquery('{CONFIGURACION}'::regconfig, sigexp_texto({texto}))"

    def niveles(self) -> list[tuple[int, Condicion]]:
        """The tiers, best first, each the condition of its rows only (no row in two)."""
        consulta = self.consulta()
        en_datos = f"expedientes.busqueda @@ {consulta}"
        # Served by `ix_expedientes_con_documentos` (migration expbus_02): that very expression,
        # over the files that have documents' text only.
        con_documentos = (
            "expedientes.texto_documentos IS NOT NULL AND "
            f"(expedientes.busqueda || expedientes.texto_documentos) @@ {consulta} "
            f"AND NOT ({en_datos})"
        )
        identidad = self.identidad()
        if identidad is None:
            return [(DATOS, _fija(en_datos)), (DOCUMENTOS, _fija(con_documentos))]

        def sin(condicion: str) -> Condicion:
            return lambda s: f"{condicion} AND NOT ({identidad(s)})"

        return [(IDENTIDAD, identidad), (DATOS, sin(en_datos)), (DOCUMENTOS, sin(con_documentos))]


def _literal(texto: str) -> str:
    """`texto` as an SQL string literal, whatever `standard_conforming_strings` says: an
    escape string (`E'...'`) with its backslashes and quotes doubled (control characters were
    already removed; NUL among them, which PostgreSQL refuses in any text)."""
    return "E'" + texto.replace("\\", "\\\\").replace("'", "''") + "'"


VENTANA = 1000
"""Newest scope rows of a desk a page first reads through, checking each file (a word or a
filter common in the desk fills a page there); when they do not hold enough matches, the page
is read again from the files' own indexes."""
EN_VENTANA = "en_ventana"
NIVEL = "nivel"
Posicion = tuple[datetime, uuid.UUID]


def _compilar(consulta: Select[Any]) -> list[str]:
    """`consulta`'s columns and its FROM, as SQL text (compiled once, at import)."""
    texto = str(consulta.compile(dialect=PGDialect_asyncpg()))  # type: ignore[no-untyped-call]
    return texto.removeprefix("SELECT ").split("\nFROM ")


_COLUMNAS, _TABLAS = _compilar(leer_expedientes())
# The same rows without the names of their desk and organismo, and those names joined to a
# page already read (`pagina`): see `Lectura.por_niveles`.
_FILA_COLUMNAS, _FILA_TABLAS = _compilar(leer_expedientes(nombres=False))
_pagina = table("pagina", column("mesa_actual_id"))
_PAGINA_COLUMNAS, _PAGINA_TABLAS = _compilar(
    con_nombres(select(literal_column("pagina.*")).select_from(_pagina), _pagina.c.mesa_actual_id)
)
_NOMBRES = _PAGINA_TABLAS.removeprefix("pagina ")  # the joins that follow `... AS pagina`
_MAS_NUEVO = "expedientes.creado_en DESC, expedientes.id DESC"


@dataclass(frozen=True)
class Lectura:
    """Where a page is read from: the files that pass `filtros`, within `alcance` (None: every
    file); for a desk's clerk (`mesa_id`, and the `anio` filter, if any) first through the
    desk's newest scope rows (`alcances`, `ix_alcances_mesa_creado_en` /
    `ix_alcances_mesa_anio`), then, if they held too few matches, from the files' own indexes
    (the desk's GIN entries intersected with a word's: a word rare in the desk)."""

    filtros: tuple[Condicion, ...] = ()
    alcance: Condicion | None = None
    mesa_id: uuid.UUID | None = None
    anio: int | None = None

    def sentencias(
        self,
        condicion: Condicion | None,
        desde: Posicion | None,
        faltan: int,
        ventana: bool = True,
    ) -> list[Sentencia]:
        """The statements to try in order: the first that brings `faltan` rows is the page.
        Without `ventana` (what is rare anyway: a referencia, the documents' tier) only the
        files' own indexes."""
        completa = self._completa(condicion, desde, faltan)
        if self.mesa_id is None or not ventana:
            return [completa]
        return [self._en_ventana(condicion, desde, faltan), completa]

    def _donde(self, s: Sql, condicion: Condicion | None) -> list[str]:
        donde = [filtro(s) for filtro in self.filtros]
        if condicion is not None:
            donde.append(condicion(s))
        return donde

    def _completa(
        self, condicion: Condicion | None, desde: Posicion | None, faltan: int
    ) -> Sentencia:
        s = Sql()
        return self._de_los_indices(s, condicion, desde, faltan), s.args

    def _de_los_indices(
        self,
        s: Sql,
        condicion: Condicion | None,
        desde: Posicion | None,
        faltan: int,
        columnas: str = _COLUMNAS,
        tablas: str = _TABLAS,
    ) -> str:
        """The newest `faltan` rows that pass, read from the files' own indexes."""
        donde = self._donde(s, condicion)
        if self.alcance is not None:
            donde.append(self.alcance(s))
        if desde is not None:
            donde.append(_antes_de(s, "expedientes.creado_en, expedientes.id", desde))
        return (
            f"SELECT {columnas} FROM {tablas} WHERE {_y(donde)} "
            f"ORDER BY {_MAS_NUEVO} LIMIT {_limite(faltan)}"
        )

    def por_niveles(
        self, niveles: list[tuple[int, Condicion, Posicion | None]], faltan: int
    ) -> Sentencia:
        """Every tier of `niveles` (each from its position, if any) in one statement: each
        tier's newest `faltan` rows, best tier first, the first `faltan` of them; each row says
        its tier (`NIVEL`). For a referencia, whose own tier holds a file or a few, so that the
        words' tiers are read anyway: one statement instead of three (each new to the
        connection, prepared and planned apart: ~0.6 ms of the service's CPU and more of
        PostgreSQL's apiece). The names of the desk and organismo are joined once, to the page
        (`_NOMBRES`), not in every tier: four joins less to plan and run. Measured one
        connection, each referencia a new text (so planned): a desk's 6.60 -> 5.24 ms, all
        organismos' 6.90 -> 6.38 ms; for one tier alone the extra level cost more than it
        saved (one word: 1.15 to 1.47 times), so only here."""
        s = Sql()
        ramas = [
            "("
            + self._de_los_indices(
                s,
                condicion,
                desde,
                faltan,
                f"{constante(nivel)} AS {NIVEL}, {_FILA_COLUMNAS}",
                _FILA_TABLAS,
            )
            + ")"
            for nivel, condicion, desde in niveles
        ]
        orden = f"{NIVEL}, creado_en DESC, id DESC"
        sql = (
            f"SELECT {_PAGINA_COLUMNAS} FROM (SELECT * FROM ({' UNION ALL '.join(ramas)}) "
            f"AS niveles ORDER BY {orden} LIMIT {_limite(faltan)}) AS pagina {_NOMBRES} "
            f"ORDER BY pagina.{NIVEL}, pagina.creado_en DESC, pagina.id DESC"
        )
        return sql, s.args

    def _en_ventana(
        self, condicion: Condicion | None, desde: Posicion | None, faltan: int
    ) -> Sentencia:
        s = Sql()
        filas = [f"alcances.mesa_id = {s.arg(self.mesa_id)}"]
        if self.anio is not None:
            filas.append(f"alcances.anio = {constante(self.anio)}")
        if desde is not None:
            filas.append(_antes_de(s, "alcances.creado_en, alcances.expediente_id", desde))
        de_la_mesa = f"FROM alcances WHERE {_y(filas)}"
        ventana = _limite(VENTANA)
        # How many scope rows the window holds (read once, apart, up to VENTANA): fewer than
        # VENTANA and the window was the desk's whole remaining scope, its page complete.
        cuantas = f"(SELECT count(*) FROM (SELECT 1 {de_la_mesa} LIMIT {ventana}) AS cuantas)"
        recientes = (
            f"(SELECT alcances.expediente_id, alcances.creado_en {de_la_mesa} "
            f"ORDER BY alcances.creado_en DESC, alcances.expediente_id DESC LIMIT {ventana})"
        )
        donde = self._donde(s, condicion)
        sql = (
            f"SELECT {_COLUMNAS}, {cuantas} AS {EN_VENTANA} FROM {_TABLAS} "
            f"JOIN {recientes} AS ventana ON ventana.expediente_id = expedientes.id "
            f"WHERE {_y(donde)} "
            f"ORDER BY ventana.creado_en DESC, ventana.expediente_id DESC "
            f"LIMIT {_limite(faltan)}"
        )
        return sql, s.args


def constante(valor: int | str) -> str:
    """A value the request chose (a filter, a referencia's parts, a LIMIT) written into the
    statement, not bound: a statement of AUTORIDAD's (no scope argument) or of the consulta
    global then has no arguments at all, or only its cursor's, and PostgreSQL plans it once per
    connection (asyncpg prepares each text once) for these very values, instead of planning
    it again on every request (bound, its generic plan is estimated dearer than a custom one,
    so it never settles on one). Integers as such, text as `_literal`."""
    if isinstance(valor, int):
        return str(int(valor))
    return _literal(valor)


def _limite(filas: int) -> str:
    return constante(int(filas))


def _antes_de(s: Sql, columnas: str, desde: Posicion) -> str:
    """After `desde` in newest-first order: a row comparison the btrees serve."""
    return f"({columnas}) < ({s.arg(desde[0])}, {s.arg(desde[1])})"


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
) -> list[asyncpg.Record]:
    filas: list[asyncpg.Record] = []
    for sql, args in lectura.sentencias(condicion, desde, faltan, ventana):
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
    for nivel, condicion in busqueda.niveles():
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
        ventana = nivel == DATOS and busqueda.comun_en_la_mesa()
        leidas = await _leer(conexion, lectura, condicion, posicion, faltan - len(filas), ventana)
        filas.extend((nivel, row) for row in leidas)
        if len(filas) >= faltan:
            break
    return filas


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
