"""Where a page of expedientes is read from, written as SQL text (`Lectura`): the files that
pass the filters, within the reader's scope, a desk's clerk's first through the desk's newest
scope rows; newest first, from a position (the keyset cursor's), for `service/busqueda.py`'s
tiers.

The statements are SQL text with their positional arguments written together (`Sql`): a page
is one to three statements whose words change every time, so building them as SQLAlchemy
expressions, keying and compiling them (none is ever the same twice) cost more of the
service's CPU than PostgreSQL spent running them. Their columns and joins are still
`models.leer_expedientes`' (compiled once, at import).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, column, literal_column, select, table
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg

from expedientes.models import EXPEDIENTE_COLUMNAS, con_nombres, leer_expedientes


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


def _y(condiciones: list[str]) -> str:
    return " AND ".join(f"({c})" for c in condiciones) if condiciones else "true"


def literal(texto: str) -> str:
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
# The same rows without the names of their desk and organismo, and those names joined to rows
# already read (`... AS expedientes`): see `_Forma`.
_FILA_COLUMNAS, _FILA_TABLAS = _compilar(leer_expedientes(nombres=False))
_leidas = table("expedientes", column("mesa_actual_id"))
_CON_NOMBRES, _NOMBRES = _compilar(
    con_nombres(
        select(literal_column("expedientes.*")).select_from(_leidas), _leidas.c.mesa_actual_id
    )
)
_PROPIAS = ", ".join(f"expedientes.{c}" for c in EXPEDIENTE_COLUMNAS)
if not _COLUMNAS.startswith(_PROPIAS + ", "):  # leer_expedientes lists the expediente's first
    raise RuntimeError("leer_expedientes no empieza por las columnas del expediente")


@dataclass(frozen=True)
class _Forma:
    """How a page's rows are read: `columnas` FROM `tablas`, filtered, ordered and limited;
    then, around those rows (`(...) AS expedientes`), `afuera` with `juntas`: what each row of
    the page says of its custody, desk and organismo."""

    columnas: str
    tablas: str
    afuera: str
    juntas: str


_CUSTODIA_DESPUES = _Forma(
    _PROPIAS,
    "expedientes",
    "expedientes.*, " + _COLUMNAS.removeprefix(_PROPIAS + ", "),
    _TABLAS.removeprefix("expedientes "),
)
"""The custody copy joined to the page's rows only: PostgreSQL would otherwise join it to every
file that passes before the LIMIT keeps the page (hundreds for a common word). Measured one
connection, each text new (so planned), old -> new: a desk's two words 4.1-7.6 -> 3.8-6.2 ms,
one word 3.9-11.3 -> 3.2-6.8 ms; every organismo's 1.9-6.0 -> 1.8-5.8 ms."""
_CUSTODIA_ANTES = _Forma(
    _FILA_COLUMNAS, _FILA_TABLAS, _CON_NOMBRES, _NOMBRES.removeprefix("expedientes ")
)
"""For a filter on the custody copy (`Lectura.filtra_custodia`: the estado): joined before it."""
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
    filtra_custodia: bool = False
    """Whether a filter reads the custody copy (`custodias`), so that it is joined first."""

    @property
    def _forma(self) -> _Forma:
        return _CUSTODIA_ANTES if self.filtra_custodia else _CUSTODIA_DESPUES

    def sentencias(
        self,
        condicion: Condicion | None,
        desde: Posicion | None,
        faltan: int,
        ventana: bool = True,
        en_ventana: Condicion | None = None,
    ) -> list[Sentencia]:
        """The statements to try in order: the first that brings `faltan` rows is the page.
        Without `ventana` (what is rare anyway: a referencia, the documents' tier) only the
        files' own indexes. `en_ventana` is `condicion` as the window checks it file by file,
        when `condicion` is written for the indexes (`Busqueda.en_la_mesa`'s keys)."""
        completa = self._completa(condicion, desde, faltan)
        if self.mesa_id is None or not ventana:
            return [completa]
        return [self._en_ventana(en_ventana or condicion, desde, faltan), completa]

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
        self, s: Sql, condicion: Condicion | None, desde: Posicion | None, faltan: int
    ) -> str:
        """The newest `faltan` rows that pass, read from the files' own indexes."""
        forma = self._forma
        return (
            f"SELECT {forma.afuera} FROM ({self._filas(s, condicion, desde, faltan)}) "
            f"AS expedientes {forma.juntas} ORDER BY {_MAS_NUEVO}"
        )

    def _filas(
        self,
        s: Sql,
        condicion: Condicion | None,
        desde: Posicion | None,
        faltan: int,
        nivel: int | None = None,
    ) -> str:
        """The newest `faltan` rows that pass, of `forma.columnas` (after their tier, if any)."""
        donde = self._donde(s, condicion)
        if self.alcance is not None:
            donde.append(self.alcance(s))
        if desde is not None:
            donde.append(_antes_de(s, "expedientes.creado_en, expedientes.id", desde))
        columnas = self._forma.columnas
        if nivel is not None:
            columnas = f"{constante(nivel)} AS {NIVEL}, {columnas}"
        return (
            f"SELECT {columnas} FROM {self._forma.tablas} WHERE {_y(donde)} "
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
        PostgreSQL's apiece). What the rows say of their custody, desk and organismo is joined
        once, to the page (`_Forma`), not in every tier. Measured one connection, each
        referencia a new text (so planned), with the names joined to the page: a desk's 6.60 ->
        5.24 ms, all organismos' 6.90 -> 6.38 ms."""
        s = Sql()
        ramas = [
            f"({self._filas(s, condicion, desde, faltan, nivel)})"
            for nivel, condicion, desde in niveles
        ]
        forma = self._forma
        sql = (
            f"SELECT {forma.afuera} FROM (SELECT * FROM ({' UNION ALL '.join(ramas)}) "
            f"AS niveles ORDER BY {NIVEL}, creado_en DESC, id DESC LIMIT {_limite(faltan)}) "
            f"AS expedientes {forma.juntas} "
            f"ORDER BY expedientes.{NIVEL}, {_MAS_NUEVO}"
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
    so it never settles on one). Integers as such, text as `literal`."""
    if isinstance(valor, int):
        return str(int(valor))
    return literal(valor)


def _limite(filas: int) -> str:
    return constante(int(filas))


def _antes_de(s: Sql, columnas: str, desde: Posicion) -> str:
    """After `desde` in newest-first order: a row comparison the btrees serve."""
    return f"({columnas}) < ({s.arg(desde[0])}, {s.arg(desde[1])})"
