"""Tables of the expedientes service."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeAlias

import asyncpg
from sqlalchemy import (
    Boolean,
    ColumnElement,
    Computed,
    DateTime,
    Index,
    Integer,
    Row,
    Select,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, foreign, mapped_column, relationship

from sigexp_common.ids import uuid7
from sigexp_common.projection import VersionedCopy


class Base(DeclarativeBase):
    pass


class Ciclo(StrEnum):
    """The expediente's lifecycle, owned here. Whether it is on its way to a desk is custody's
    (pases'); the API's `estado` combines both (`Expediente.estado`)."""

    EN_TRAMITE = "EN_TRAMITE"
    EN_REVISION = "EN_REVISION"
    ARCHIVADO = "ARCHIVADO"
    ANULADO = "ANULADO"


RECEPCION_PENDIENTE = "RECEPCION_PENDIENTE"

# The searchable vector of an expediente's own data, as migration expbus_01 makes it: the
# extracto weighs A, the instrument and GDE numbers B (its documents' words are apart, D).
BUSQUEDA = (
    "setweight(to_tsvector('sigexp_es', sigexp_texto(extracto)), 'A') || "
    "setweight(to_tsvector('sigexp_es', sigexp_texto("
    "coalesce(numero_instrumento, '') || ' ' || coalesce(numero_gde, ''))), 'B')"
)


class Expediente(Base):
    __tablename__ = "expedientes"
    __table_args__ = (
        UniqueConstraint("codigo", "numero", "letras", "anio", name="uq_expediente_identidad"),
        Index("ix_expedientes_creado_en", "creado_en", "id"),
        # Search (`service/busqueda.py`): words, referencias and numbers, GDE numbers, and
        # filtered pages newest first.
        Index("ix_expedientes_busqueda", "busqueda", postgresql_using="gin"),
        # A desk's own words: one GIN key per desk and word of the file (migration busq_04,
        # `busqueda.Busqueda.en_la_mesa`); the scope alone.
        Index(
            "ix_expedientes_palabras_por_mesa",
            text("sigexp_palabras_por_mesa(mesas, busqueda, numero)"),
            postgresql_using="gin",
        ),
        Index(
            "ix_expedientes_documentos_por_mesa",
            text("sigexp_palabras_por_mesa(mesas, busqueda || texto_documentos, numero)"),
            postgresql_using="gin",
        ),
        Index("ix_expedientes_mesas", "mesas", postgresql_using="gin"),
        Index(
            "ix_expedientes_con_documentos",
            text("(busqueda || texto_documentos)"),
            postgresql_using="gin",
            postgresql_where=text("texto_documentos IS NOT NULL"),
        ),
        Index("ix_expedientes_numero", "numero", "anio", "letras"),
        # A number alone, newest first (migration busq_03).
        Index("ix_expedientes_numero_creado_en", "numero", "creado_en", "id"),
        Index("ix_expedientes_numero_gde", func.upper(text("numero_gde"))),
        Index("ix_expedientes_anio_creado_en", "anio", "creado_en", "id"),
        Index("ix_expedientes_codigo_creado_en", "codigo", "creado_en", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid7)
    codigo: Mapped[str] = mapped_column(String(20))
    numero: Mapped[int] = mapped_column(Integer)
    letras: Mapped[str] = mapped_column(String(10), default="")  # "" when the series has none
    anio: Mapped[int] = mapped_column(Integer)
    extracto: Mapped[str] = mapped_column(Text)
    numero_instrumento: Mapped[str | None] = mapped_column(String(100))
    numero_gde: Mapped[str | None] = mapped_column(String(60))  # the same file in GDE
    tomos: Mapped[int] = mapped_column(Integer)
    fojas: Mapped[int] = mapped_column(Integer)
    tipo: Mapped[str] = mapped_column(String(50))
    caracter: Mapped[str] = mapped_column(String(20))
    ciclo: Mapped[str] = mapped_column(String(30))
    # +1 on every edit or lifecycle change (the `sequence` of its events); 1 at the alta
    version: Mapped[int] = mapped_column(Integer, default=1)
    organismo_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    mesa_inicio_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    iniciado_por: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    iniciado_por_usuario: Mapped[str] = mapped_column(String(200))
    creado_en: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actualizado_en: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    # What search reads (migration expbus_01): the words of the file's own data, computed by
    # PostgreSQL from the row, and those of its documents (kept from
    # `sigexp.archivo.procesado.v1`, `service/busqueda.py`). Deferred: no ORM read loads them.
    busqueda: Mapped[str] = mapped_column(TSVECTOR, Computed(BUSQUEDA), deferred=True)
    texto_documentos: Mapped[str | None] = mapped_column(TSVECTOR, deferred=True)
    # The custody copy's `mesas` (its scope), kept by the database from `custodias` (triggers of
    # migration expbus_01); it keeps `Alcance`'s rows (expbus_02). Never set by code.
    mesas: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(UUID(as_uuid=True)), deferred=True, server_default=None
    )

    custodia: Mapped[Custodia] = relationship(
        primaryjoin=lambda: Expediente.id == foreign(Custodia.expediente_id),
        lazy="joined",
        innerjoin=True,
        viewonly=True,
    )

    @property
    def referencia(self) -> str:
        return referencia(self.numero, self.letras, self.anio)

    @property
    def estado(self) -> str:
        """RECEPCION_PENDIENTE while on its way to a desk, else the lifecycle (DESIGN.md)."""
        return estado(self.custodia.en_transito, self.ciclo)

    @property
    def mesa_actual_id(self) -> uuid.UUID:
        return self.custodia.mesa_id

    @property
    def mesa_actual(self) -> Mesa | None:
        return self.custodia.mesa

    @property
    def permiso_actual(self) -> str:
        return self.custodia.permiso


def referencia(numero: int, letras: str, anio: int) -> str:
    """`numero-letras-anio`, or `numero-anio` when the series has no letters."""
    return "-".join(part for part in (str(numero), letras, str(anio)) if part)


def estado(en_transito: bool, ciclo: str) -> str:
    return RECEPCION_PENDIENTE if en_transito else ciclo


class Alcance(Base):
    """One desk an expediente reached (a row of its `mesas`), with when it was made and its
    year: a desk's listing reads its own files newest first (`ix_alcances_mesa_creado_en`, or
    one year of them from `ix_alcances_mesa_anio`). Kept by the database (migration expbus_02's
    trigger on `expedientes.mesas`); never written by code."""

    __tablename__ = "alcances"
    __table_args__ = (
        Index("ix_alcances_mesa_creado_en", "mesa_id", "creado_en", "expediente_id"),
        Index("ix_alcances_mesa_anio", "mesa_id", "anio", "creado_en", "expediente_id"),
    )

    expediente_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    mesa_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    creado_en: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    anio: Mapped[int] = mapped_column(Integer)


class TextoDocumento(VersionedCopy, Base):
    """The text of one archivo of an expediente, from `sigexp.archivo.procesado.v1` (the
    archivo's version is the `sequence`: the newest version's text wins); `eliminado` once the
    archivo was removed, whose text no search finds any more."""

    __tablename__ = "textos_documentos"

    archivo_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    expediente_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    texto: Mapped[str] = mapped_column(Text)
    eliminado: Mapped[bool] = mapped_column(Boolean)


class Custodia(VersionedCopy, Base):
    """This service's copy of custody, which pases owns (`sigexp.custodia.actualizada.v1`):
    who holds the expediente, with what permission, whether it is on its way, and every desk
    it reached (`mesas`, the scope of `sigexp_common.alcance`). The alta seeds it as version 0
    from what the alta itself decided; pases' first event (version 1) confirms it."""

    __tablename__ = "custodias"
    __table_args__ = (Index("ix_custodias_mesas", "mesas", postgresql_using="gin"),)

    expediente_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    mesa_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    permiso: Mapped[str] = mapped_column(String(20))
    en_transito: Mapped[bool] = mapped_column(Boolean)
    mesa_origen_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    mesas: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)))
    desde: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    mesa: Mapped[Mesa | None] = relationship(
        primaryjoin=lambda: foreign(Custodia.mesa_id) == Mesa.id,
        lazy="joined",
        viewonly=True,
    )


class Serie(Base):
    """Last number given in each (codigo, letras, anio) series; its row lock orders altas."""

    __tablename__ = "series"

    codigo: Mapped[str] = mapped_column(String(20), primary_key=True)
    letras: Mapped[str] = mapped_column(String(10), primary_key=True)
    anio: Mapped[int] = mapped_column(Integer, primary_key=True)
    ultimo: Mapped[int] = mapped_column(Integer)


class Organismo(VersionedCopy, Base):
    """This service's copy of auth's organismos (each mesa event carries its organismo, with
    the organismo's own version, and `sigexp.organismo.actualizado.v1` renames it)."""

    __tablename__ = "organismos"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    codigo: Mapped[str] = mapped_column(String(20))
    nombre: Mapped[str] = mapped_column(String(300))


class Mesa(VersionedCopy, Base):
    """This service's copy of auth's catalogue of desks (from `sigexp.mesa.actualizada.v1`), to
    name desks in its answers; each row applies only a newer version of auth's row."""

    __tablename__ = "mesas"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    codigo: Mapped[str] = mapped_column(String(40))
    nombre: Mapped[str] = mapped_column(String(300))
    organismo_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    es_oficina: Mapped[bool] = mapped_column(Boolean)
    activo: Mapped[bool] = mapped_column(Boolean)

    organismo_copia: Mapped[Organismo | None] = relationship(
        primaryjoin=lambda: foreign(Mesa.organismo_id) == Organismo.id,
        lazy="joined",
        viewonly=True,
    )

    @property
    def organismo(self) -> Organismo | None:
        return self.organismo_copia


class Tipo(VersionedCopy, Base):
    """This service's copy of auth's catalogue of tipos (`sigexp.tipo.actualizado.v1`): an
    alta names an active one of them."""

    __tablename__ = "tipos"

    codigo: Mapped[str] = mapped_column(String(50), primary_key=True)
    nombre: Mapped[str] = mapped_column(String(200))
    activo: Mapped[bool] = mapped_column(Boolean)


@dataclass(frozen=True, slots=True)
class CustodiaLeida:
    mesa_id: uuid.UUID
    permiso: str
    en_transito: bool


@dataclass(frozen=True, slots=True)
class ExpedienteLeido:
    """An expediente as a read answers it: one flat row of the expediente, its custody copy
    and the names of its desk, read with Core (no identity map, no relationship loading; the
    hot reads spend most of their own time there otherwise). Same attributes as `Expediente`
    where the answer needs them."""

    id: uuid.UUID
    codigo: str
    numero: int
    letras: str
    anio: int
    extracto: str
    numero_instrumento: str | None
    numero_gde: str | None
    tomos: int
    fojas: int
    tipo: str
    caracter: str
    ciclo: str
    version: int
    organismo_id: uuid.UUID | None
    mesa_inicio_id: uuid.UUID
    iniciado_por: uuid.UUID
    iniciado_por_usuario: str
    creado_en: datetime
    mesa_actual_id: uuid.UUID
    permiso_actual: str
    en_transito: bool
    mesa_actual: dict[str, Any] | None
    # Only the detail reads these (`service/conexos.py`); None elsewhere.
    vinculos: list[dict[str, Any]] | None = None
    acumulados: list[dict[str, Any]] | None = None
    acumulado_en: dict[str, Any] | None = None

    @property
    def referencia(self) -> str:
        return referencia(self.numero, self.letras, self.anio)

    @property
    def estado(self) -> str:
        return estado(self.en_transito, self.ciclo)

    @property
    def custodia(self) -> CustodiaLeida:
        """The custody copy's fields where `Expediente.custodia` has them (an event built
        from an expediente, `ExpedienteIniciado.from_expediente`, reads them there)."""
        return CustodiaLeida(self.mesa_actual_id, self.permiso_actual, self.en_transito)

    @classmethod
    def de(cls, row: Row[Any] | Mapping[str, Any] | asyncpg.Record) -> ExpedienteLeido:
        """From a row of `leer_expedientes`: SQLAlchemy's, or asyncpg's (the search's)."""
        fila = row._mapping if isinstance(row, Row) else row
        return cls(
            **{name: fila[name] for name in _EXPEDIENTE_COLUMNAS},
            mesa_actual=mesa_actual(fila),
            mesa_actual_id=fila["mesa_actual_id"],
            permiso_actual=fila["permiso_actual"],
            en_transito=fila["en_transito"],
            vinculos=fila.get("vinculos"),
            acumulados=fila.get("acumulados"),
            acumulado_en=fila.get("acumulado_en"),
        )


Fila: TypeAlias = Mapping[str, Any] | asyncpg.Record
"""A row of `leer_expedientes`."""


def mesa_actual(fila: Fila, ident: Callable[[Any], Any] = lambda v: v) -> dict[str, Any] | None:
    """The desk holding the file and its organismo, as a read answers them (`MesaRef`), from a
    row of `leer_expedientes`; `ident` writes their ids (as they are, or as text)."""
    if fila["mesa_nombre"] is None:
        return None
    organismo = None
    if fila["organismo_codigo"] is not None:
        organismo = {
            "id": ident(fila["mesa_organismo_id"]),
            "codigo": fila["organismo_codigo"],
            "nombre": fila["organismo_nombre"],
        }
    return {
        "id": ident(fila["mesa_actual_id"]),
        "nombre": fila["mesa_nombre"],
        "organismo": organismo,
    }


_EXPEDIENTE_COLUMNAS = (
    "id",
    "codigo",
    "numero",
    "letras",
    "anio",
    "extracto",
    "numero_instrumento",
    "numero_gde",
    "tomos",
    "fojas",
    "tipo",
    "caracter",
    "ciclo",
    "version",
    "organismo_id",
    "mesa_inicio_id",
    "iniciado_por",
    "iniciado_por_usuario",
    "creado_en",
)


EXPEDIENTE_COLUMNAS = _EXPEDIENTE_COLUMNAS  # what a read row holds of the expediente itself


def leer_expedientes(*extra: ColumnElement[Any], nombres: bool = True) -> Select[Any]:
    """The one SELECT of the reads: expediente, custody copy, desk and organismo names (the
    copies may not have arrived yet: outer joins), plus `extra` columns (e.g. the scope).
    Without `nombres`, the expediente and its custody copy only (`con_nombres` adds them)."""
    tabla = Expediente.__table__
    fila = (
        select(
            *(tabla.c[name] for name in _EXPEDIENTE_COLUMNAS),
            Custodia.mesa_id.label("mesa_actual_id"),
            Custodia.permiso.label("permiso_actual"),
            Custodia.en_transito,
            *extra,
        )
        .select_from(tabla)
        .join(Custodia.__table__, Custodia.expediente_id == Expediente.id)
    )
    if not nombres:
        return fila
    return con_nombres(fila, Custodia.__table__.c.mesa_id)


def con_nombres(consulta: Select[Any], mesa_id: ColumnElement[Any]) -> Select[Any]:
    """`consulta` with the names of the desk `mesa_id` and of its organismo."""
    return (
        consulta.add_columns(
            Mesa.nombre.label("mesa_nombre"),
            Mesa.organismo_id.label("mesa_organismo_id"),
            Organismo.codigo.label("organismo_codigo"),
            Organismo.nombre.label("organismo_nombre"),
        )
        .outerjoin(Mesa.__table__, Mesa.id == mesa_id)
        .outerjoin(Organismo.__table__, Organismo.id == Mesa.organismo_id)
    )
