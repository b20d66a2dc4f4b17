"""Searching expedientes, for the scoped listing and the consulta global: Spanish full text over
what each file says and what its documents say, referencias and numbers matched exactly, best
matches first, paged by a keyset cursor (never OFFSET). And the documents' text it searches:
one text per archivo (the newest version's wins), from `sigexp.archivo.procesado.v1`, gathered
into the expediente's `texto_documentos` vector.

Relevance comes in tiers, each read newest first through an index that serves that order:
0. the file `q` names: its referencia (`123-ABC-2024`), a partial one (`123`, `123-2024`,
   `123-ABC`) or its GDE number, matched exactly (`ix_expedientes_numero`,
   `ix_expedientes_numero_gde`);
1. files whose own data hold every word: extracto, instrument, GDE number (`busqueda`);
2. files that hold them only with their documents' words (`ix_expedientes_con_documentos`, a
   GIN index of the file's words and its documents' together, over the files with documents).
A page reads the tiers in order until it is full, one statement each; the cursor says the tier
and the (creado_en, id) it stopped at. Ranking every match by `ts_rank` instead would read and
sort every row that holds a common word (tens of thousands at a million files) for each page;
the tiers keep a page's work bounded whatever the word, and rank the way a clerk expects (the
file whose extracto says it, before the one whose attachment mentions it).

Words go through `sigexp_texto` and the `sigexp_es` configuration (migration expbus_01): no
accents, no case, Spanish stems ("licitación" finds "LICITACIONES"). The words are written into
the statement as a literal, so PostgreSQL plans each search for its own words (how common they
are decides between the GIN index and the newest-first walk); a bound parameter would let it
settle on one generic plan for every word.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    String,
    Text,
    and_,
    func,
    literal_column,
    not_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from expedientes.events import ArchivoProcesado
from expedientes.models import Alcance, Expediente, TextoDocumento
from sigexp_common import entrada, projection
from sigexp_common.errors import PeticionInvalida

CONFIGURACION = "sigexp_es"
_CONFIGURACION = literal_column(f"'{CONFIGURACION}'::regconfig", REGCONFIG)
_D = literal_column("'D'::\"char\"", String)
IDENTIDAD, DATOS, DOCUMENTOS = 0, 1, 2

_REFERENCIA = re.compile(r"(\d{1,8})(?:-([A-Za-zÑñ]{1,10}))?(?:-(\d{4}))?")
_GDE = re.compile(r"[A-Za-z]{2,6}-\d{4}-\d{1,10}-.*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


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

    def identidad(self) -> ColumnElement[bool] | None:
        """The file `q` names, as a condition on its own indexes; None when it names none."""
        if self.gde is not None:
            return func.upper(Expediente.numero_gde) == self.gde
        if self.numero is None:
            return None
        condiciones = [Expediente.numero == self.numero]
        if self.anio is not None:
            condiciones.append(Expediente.anio == self.anio)
        if self.letras is not None:
            condiciones.append(Expediente.letras == self.letras)
        return and_(*condiciones)

    def comun_en_la_mesa(self) -> bool:
        """Whether a desk's newest files likely hold a page of matches (`Lectura`'s window):
        for one word, yes; every further word, or a referencia, makes a match rarer."""
        return self.identidad() is None and len(self.palabras.split()) == 1

    def consulta(self) -> ColumnElement[Any]:
        """The words as a tsquery (every word, stemmed), planned for these very words."""
        texto = literal_column(_literal(self.palabras), Text)
        return func.plainto_tsquery(_CONFIGURACION, func.sigexp_texto(texto))

    def niveles(self) -> list[tuple[int, ColumnElement[bool]]]:
        """The tiers, best first, each the condition of its rows only (no row in two)."""
        consulta = self.consulta()
        en_datos = Expediente.busqueda.bool_op("@@")(consulta)
        # Served by `ix_expedientes_con_documentos` (migration expbus_02): that very expression,
        # over the files that have documents' text only.
        con_documentos = and_(
            Expediente.texto_documentos.is_not(None),
            Expediente.busqueda.op("||")(Expediente.texto_documentos).bool_op("@@")(consulta),
            not_(en_datos),
        )
        identidad = self.identidad()
        if identidad is None:
            return [(DATOS, en_datos), (DOCUMENTOS, con_documentos)]
        ajeno = not_(identidad)
        return [
            (IDENTIDAD, identidad),
            (DATOS, and_(en_datos, ajeno)),
            (DOCUMENTOS, and_(con_documentos, ajeno)),
        ]


def _literal(texto: str) -> str:
    """`texto` as an SQL string literal, whatever `standard_conforming_strings` says: an
    escape string (`E'...'`) with its backslashes and quotes doubled (control characters were
    already removed; NUL among them, which PostgreSQL refuses in any text)."""
    return "E'" + texto.replace("\\", "\\\\").replace("'", "''") + "'"


VENTANA = 1000
"""Newest scope rows of a desk a page first reads through, checking each file (a word or a
filter common in the desk fills a page there); when they do not hold enough matches, the page
is read again from the files' own indexes."""
MAS_NUEVO = (Expediente.creado_en.desc(), Expediente.id.desc())
EN_VENTANA = "en_ventana"
Posicion = tuple[datetime, uuid.UUID]


@dataclass(frozen=True)
class Lectura:
    """Where a page is read from: `base` (filters applied, no scope), within `alcance`; for a
    desk's clerk (`mesa_id`, and the `anio` filter, if any) first through the desk's newest
    scope rows (`Alcance`, `ix_alcances_mesa_creado_en` / `ix_alcances_mesa_anio`), then, if
    they held too few matches, from the files' own indexes (the desk's GIN entries intersected
    with a word's: a word rare in the desk)."""

    base: Select[Any]
    alcance: ColumnElement[bool]
    mesa_id: uuid.UUID | None = None
    anio: int | None = None

    def sentencias(
        self,
        condicion: ColumnElement[bool] | None,
        desde: Posicion | None,
        faltan: int,
        ventana: bool = True,
    ) -> list[Select[Any]]:
        """The statements to try in order: the first that brings `faltan` rows is the page.
        Without `ventana` (what is rare anyway: a referencia, the documents' tier) only the
        files' own indexes."""
        query = self.base if condicion is None else self.base.where(condicion)
        completa = query.where(self.alcance)
        if desde is not None:
            completa = completa.where(_antes_de(Expediente.creado_en, Expediente.id, desde))
        completa = completa.order_by(*MAS_NUEVO).limit(faltan)
        if self.mesa_id is None or not ventana:
            return [completa]
        filas = select(Alcance.expediente_id, Alcance.creado_en).where(
            Alcance.mesa_id == self.mesa_id
        )
        if self.anio is not None:
            filas = filas.where(Alcance.anio == self.anio)
        if desde is not None:
            filas = filas.where(_antes_de(Alcance.creado_en, Alcance.expediente_id, desde))
        recientes = (
            filas.order_by(Alcance.creado_en.desc(), Alcance.expediente_id.desc())
            .limit(VENTANA)
            .subquery("ventana")
        )
        # How many scope rows the window holds (read once, apart, up to VENTANA): fewer than
        # VENTANA and the window was the desk's whole remaining scope, its page complete.
        cuantas = select(func.count()).select_from(filas.limit(VENTANA).subquery("cuantas"))
        corta = (
            query.add_columns(cuantas.scalar_subquery().label(EN_VENTANA))
            .join(recientes, recientes.c.expediente_id == Expediente.id)
            .order_by(recientes.c.creado_en.desc(), recientes.c.expediente_id.desc())
            .limit(faltan)
        )
        return [corta, completa]


def _antes_de(creado_en: Any, ident: Any, desde: Posicion) -> ColumnElement[bool]:
    """After `desde` in newest-first order: a row comparison the btrees serve."""
    return tuple_(creado_en, ident) < tuple_(*desde)


async def _leer(
    conexion: AsyncConnection,
    lectura: Lectura,
    condicion: ColumnElement[bool] | None,
    desde: Posicion | None,
    faltan: int,
    ventana: bool = True,
) -> list[Row[Any]]:
    filas: list[Row[Any]] = []
    for sentencia in lectura.sentencias(condicion, desde, faltan, ventana):
        filas = list(await conexion.execute(sentencia))
        if len(filas) >= faltan or (filas and filas[0]._mapping.get(EN_VENTANA, 0) < VENTANA):
            break
    return filas


async def pagina(
    conexion: AsyncConnection,
    lectura: Lectura,
    busqueda: Busqueda | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Row[Any]], str | None]:
    """One page of `lectura`: newest first without words, else by tier and newest first within
    each; and the cursor of the next page."""
    if busqueda is None:
        desde = _leer_cursor(cursor) if cursor else None
        rows = await _leer(conexion, lectura, None, desde, limit + 1)
        siguiente = _cursor(rows[limit - 1]) if len(rows) > limit else None
        return rows[:limit], siguiente

    desde_nivel = _leer_cursor_con_nivel(cursor) if cursor else None
    filas: list[tuple[int, Row[Any]]] = []
    for nivel, condicion in busqueda.niveles():
        if desde_nivel is not None and nivel < desde_nivel[0]:
            continue
        posicion = None
        if desde_nivel is not None and nivel == desde_nivel[0]:
            posicion = (desde_nivel[1], desde_nivel[2])
        faltan = limit + 1 - len(filas)
        ventana = nivel == DATOS and busqueda.comun_en_la_mesa()
        leidas = await _leer(conexion, lectura, condicion, posicion, faltan, ventana)
        filas.extend((nivel, row) for row in leidas)
        if len(filas) > limit:
            break
    siguiente = None
    if len(filas) > limit:
        nivel, ultima = filas[limit - 1]
        siguiente = entrada.cursor(str(nivel), ultima.creado_en.isoformat(), str(ultima.id))
    return [row for _, row in filas[:limit]], siguiente


def _cursor(row: Row[Any]) -> str:
    return entrada.cursor(row.creado_en.isoformat(), str(row.id))


def _leer_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    creado, ident = entrada.leer_cursor(cursor, 2)
    return entrada.instante(creado), entrada.identificador(ident)


def _leer_cursor_con_nivel(cursor: str) -> tuple[int, datetime, uuid.UUID]:
    nivel, creado, ident = entrada.leer_cursor(cursor, 3)
    if nivel not in {str(IDENTIDAD), str(DATOS), str(DOCUMENTOS)}:
        raise PeticionInvalida(entrada.CURSOR_INVALIDO)
    return int(nivel), entrada.instante(creado), entrada.identificador(ident)


# The documents' text.

LISTO = "LISTO"
OLVIDADO = 2**62
"""The version of a removed archivo's text: higher than any version archivos will make, so a
late `procesado` of it changes nothing."""
MAX_TEXTO = 1_000_000
"""Characters of an expediente's documents read into its vector (each document's text already
arrives cut at 100,000): a tsvector holds at most 1 MB."""


async def registrar_texto(db: AsyncSession, evento: ArchivoProcesado) -> None:
    """Keep the archivo's text if this version is newer than the one held (a failed processing
    leaves that version without text), and gather the expediente's documents again."""
    await _bloquear(db, evento.expediente_id)
    cambio = await projection.apply_if_newer(
        db,
        TextoDocumento,
        {"archivo_id": evento.archivo_id},
        projection.version(evento),
        {
            "expediente_id": evento.expediente_id,
            "texto": (evento.texto or "") if evento.estado == LISTO else "",
            "eliminado": False,
        },
    )
    if cambio:
        await _reunir(db, evento.expediente_id)


async def olvidar_texto(
    db: AsyncSession, archivo_id: uuid.UUID, expediente_id: uuid.UUID | None = None
) -> None:
    """A removed archivo's text is no longer searched; a later `procesado` of it is ignored."""
    guardado = await db.scalar(
        select(TextoDocumento.expediente_id).where(TextoDocumento.archivo_id == archivo_id)
    )
    expediente_id = guardado or expediente_id
    if expediente_id is not None:
        await _bloquear(db, expediente_id)
    await projection.apply_if_newer(
        db,
        TextoDocumento,
        {"archivo_id": archivo_id},
        OLVIDADO,
        {"expediente_id": expediente_id, "texto": "", "eliminado": True},
    )
    if expediente_id is not None:
        await _reunir(db, expediente_id)


async def _bloquear(db: AsyncSession, expediente_id: uuid.UUID) -> None:
    """Texts of one expediente are gathered one transaction at a time: two documents processed
    at once must both end in its vector (each gathers after the other's commit)."""
    await db.execute(select(Expediente.id).where(Expediente.id == expediente_id).with_for_update())


async def _reunir(db: AsyncSession, expediente_id: uuid.UUID) -> None:
    textos = (
        select(func.left(func.string_agg(TextoDocumento.texto, " "), MAX_TEXTO))
        .where(TextoDocumento.expediente_id == expediente_id, TextoDocumento.eliminado.is_(False))
        .scalar_subquery()
    )
    vector = func.setweight(func.to_tsvector(_CONFIGURACION, func.sigexp_texto(textos)), _D)
    await db.execute(
        update(Expediente).where(Expediente.id == expediente_id).values(texto_documentos=vector)
    )
