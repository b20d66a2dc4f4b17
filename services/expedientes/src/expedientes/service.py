"""Use cases of the expedientes service: one function each; the caller owns the transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, extract, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from expedientes import catalogo
from expedientes.events import CustodiaActualizada, ExpedienteIniciado
from expedientes.models import (
    Ciclo,
    Custodia,
    Expediente,
    ExpedienteLeido,
    Serie,
    leer_expedientes,
)
from expedientes.schemas import Caracter, Estado, ExpedienteIn
from sigexp_common import alcance, audit, entrada, outbox, projection
from sigexp_common.envelope import utcnow
from sigexp_common.errors import Conflicto
from sigexp_common.ids import uuid7
from sigexp_common.security import Perfil, Usuario, require_perfil

ESCRITURA = "ESCRITURA"


async def iniciar_expediente(db: AsyncSession, datos: ExpedienteIn, por: Usuario) -> Expediente:
    """Alta at the user's desk; without `numero`, the next of its (codigo, letras, anio) series."""
    require_perfil(por, Perfil.MESA_ENTRADA)
    if por.mesa_id is None or not por.organismo_codigo:
        raise Conflicto(
            "Su usuario no tiene una mesa de entradas asignada; consulte al administrador."
        )
    await catalogo.exigir_tipo(db, datos.tipo)
    codigo, letras = por.organismo_codigo, datos.letras or ""
    anio = datos.anio or utcnow().year
    if datos.numero is None:
        numero = await _siguiente_numero(db, codigo, letras, anio)
    else:
        numero = datos.numero
        await _ya_existe(db, codigo, numero, letras, anio)
        await _registrar_numero(db, codigo, letras, anio, numero)
    creado_en = utcnow()
    expediente = Expediente(
        id=uuid7(),  # says when it was made: see sigexp_common.alcance.desconocido
        codigo=codigo,
        numero=numero,
        letras=letras,
        anio=anio,
        extracto=datos.extracto,
        numero_instrumento=datos.numero_instrumento,
        tomos=datos.tomos,
        fojas=datos.fojas,
        tipo=datos.tipo,
        caracter=datos.caracter.value,
        ciclo=Ciclo.EN_TRAMITE.value,
        organismo_id=por.organismo_id,
        mesa_inicio_id=por.mesa_id,
        iniciado_por=por.id,
        iniciado_por_usuario=por.usuario,
        creado_en=creado_en,
    )
    db.add(expediente)
    # Custody is pases'; until its first event arrives, the copy holds what this alta decided
    # (version 0), so the clerk sees the new file at once; pases' version 1 confirms it.
    db.add(
        Custodia(
            expediente_id=expediente.id,
            mesa_id=por.mesa_id,
            permiso=ESCRITURA,
            en_transito=False,
            mesa_origen_id=None,
            mesas=[por.mesa_id],
            desde=creado_en,
            version=0,
        )
    )
    await db.flush()
    await db.refresh(expediente, ["custodia"])
    outbox.add(db, ExpedienteIniciado.from_expediente(expediente))
    audit.registrar(
        db,
        por,
        "expediente.crear",
        f"expediente/{expediente.id}",
        expediente_id=expediente.id,
        detalle={"referencia": expediente.referencia},
    )
    return expediente


async def _siguiente_numero(db: AsyncSession, codigo: str, letras: str, anio: int) -> int:
    """Next number of the series. The upsert locks the series row until commit, so concurrent
    altas take turns; a rolled-back alta gives its number back (no gaps, no duplicates)."""
    statement = (
        insert(Serie)
        .values(codigo=codigo, letras=letras, anio=anio, ultimo=1)
        .on_conflict_do_update(
            index_elements=[Serie.codigo, Serie.letras, Serie.anio],
            set_={"ultimo": Serie.ultimo + 1},
        )
        .returning(Serie.ultimo)
    )
    return int((await db.execute(statement)).scalar_one())


async def _registrar_numero(
    db: AsyncSession, codigo: str, letras: str, anio: int, numero: int
) -> None:
    """A number typed by the desk moves the series forward so no later alta repeats it."""
    statement = (
        insert(Serie)
        .values(codigo=codigo, letras=letras, anio=anio, ultimo=numero)
        .on_conflict_do_update(
            index_elements=[Serie.codigo, Serie.letras, Serie.anio],
            set_={"ultimo": func.greatest(Serie.ultimo, numero)},
        )
    )
    await db.execute(statement)


async def _ya_existe(db: AsyncSession, codigo: str, numero: int, letras: str, anio: int) -> None:
    existing = await db.scalar(
        select(Expediente.id).where(
            Expediente.codigo == codigo,
            Expediente.numero == numero,
            Expediente.letras == letras,
            Expediente.anio == anio,
        )
    )
    if existing is not None:  # the same words whoever holds it and whatever its caracter
        raise Conflicto(NUMERO_NO_DISPONIBLE.format(serie=_serie(letras, anio), codigo=codigo))


NUMERO_NO_DISPONIBLE = (
    "Ese número no está disponible para la serie {serie} del organismo {codigo}; "
    "deje el número vacío para recibir el siguiente."
)


def _serie(letras: str, anio: int) -> str:
    return f"{letras}-{anio}" if letras else str(anio)


# Built once (building and keying this statement cost more than running it): the user's scope
# and the id are bound parameters.
_DETALLE = leer_expedientes(alcance.visible(Custodia.mesas).label("visible")).where(
    Expediente.id == bindparam("expediente_id")
)


async def ver_expediente(
    db: AsyncSession, expediente_id: uuid.UUID, por: Usuario
) -> ExpedienteLeido:
    """One round trip: the row, its custody and whether `por` may see it (the scope rule as a
    column, not a second query)."""
    accion = "expediente.ver"
    conexion = await db.connection()  # Core on the request's transaction: no ORM execute path
    parametros = {"expediente_id": expediente_id, **alcance.parametros(por)}
    row = (await conexion.execute(_DETALLE, parametros)).first()
    if row is None:
        raise alcance.no_existe(por, accion, expediente_id)
    if not row.visible:
        raise alcance.rechazo(por, row.caracter, accion, expediente_id)
    expediente = ExpedienteLeido.de(row)
    await audit.lectura(db, por, accion, f"expediente/{expediente.id}", expediente_id=expediente.id)
    return expediente


@dataclass
class Filtros:
    q: str | None = None
    estado: Estado | None = None
    caracter: Caracter | None = None
    tipo: str | None = None
    codigo: str | None = None
    anio: int | None = None
    mes: int | None = None
    limit: int = 50
    cursor: str | None = None


async def buscar_expedientes(
    db: AsyncSession, filtros: Filtros, por: Usuario
) -> tuple[list[ExpedienteLeido], str | None]:
    """Newest first, within the user's scope, paged by an opaque cursor."""
    query = leer_expedientes().where(alcance.filtro(por, Custodia.mesas))
    query = _filtrar(query, filtros)
    if filtros.cursor:
        creado, ident = _leer_cursor(filtros.cursor)
        query = query.where(
            or_(
                Expediente.creado_en < creado,
                and_(Expediente.creado_en == creado, Expediente.id < ident),
            )
        )
    query = query.order_by(Expediente.creado_en.desc(), Expediente.id.desc()).limit(
        filtros.limit + 1
    )
    conexion = await db.connection()
    rows = [ExpedienteLeido.de(row) for row in await conexion.execute(query)]
    siguiente = _cursor(rows[filtros.limit - 1]) if len(rows) > filtros.limit else None
    await audit.lectura(
        db,
        por,
        "expediente.buscar",
        "expedientes",
        detalle={"q": filtros.q, "resultados": len(rows)},
    )
    return rows[: filtros.limit], siguiente


def _filtrar(query: Select[Any], f: Filtros) -> Select[Any]:
    if f.q:
        for palabra in f.q.split():
            pattern = entrada.contiene(palabra)
            referencia = func.concat_ws(
                "-", Expediente.numero, func.nullif(Expediente.letras, ""), Expediente.anio
            )
            query = query.where(
                or_(
                    Expediente.extracto.ilike(pattern, escape=entrada.ESCAPE),
                    Expediente.numero_instrumento.ilike(pattern, escape=entrada.ESCAPE),
                    referencia.ilike(pattern, escape=entrada.ESCAPE),
                )
            )
    if f.estado is not None:
        query = query.where(_estado_es(f.estado))
    exact = {
        Expediente.caracter: f.caracter.value if f.caracter else None,
        Expediente.tipo: f.tipo,
        Expediente.codigo: f.codigo,
        Expediente.anio: f.anio,
    }
    for column, value in exact.items():
        if value is not None:
            query = query.where(column == value)
    if f.mes is not None:
        query = query.where(extract("month", Expediente.creado_en) == f.mes)
    return query


def _estado_es(estado: Estado) -> ColumnElement[bool]:
    """The API's estado as a condition: RECEPCION_PENDIENTE is custody's, the rest lifecycle."""
    if estado is Estado.RECEPCION_PENDIENTE:
        return Custodia.en_transito.is_(True)
    return and_(Custodia.en_transito.is_(False), Expediente.ciclo == estado.value)


def _cursor(expediente: ExpedienteLeido) -> str:
    return entrada.cursor(expediente.creado_en.isoformat(), str(expediente.id))


def _leer_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    creado, ident = entrada.leer_cursor(cursor, 2)
    return entrada.instante(creado), entrada.identificador(ident)


async def registrar_custodia(db: AsyncSession, evento: CustodiaActualizada) -> None:
    """Keep the copy of pases' custody: only a newer version replaces it (reordered, repeated
    or older deliveries change nothing)."""
    await projection.apply_if_newer(
        db,
        Custodia,
        {"expediente_id": evento.expediente_id},
        projection.version(evento),
        evento.model_dump(exclude={"expediente_id"}),
    )
