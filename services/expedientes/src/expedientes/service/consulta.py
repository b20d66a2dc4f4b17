"""Reading expedientes: one detail, and the scoped listing with its filters and cursor."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, extract, func, or_
from sqlalchemy.ext.asyncio import AsyncSession

from expedientes.models import Custodia, Expediente, ExpedienteLeido, leer_expedientes
from expedientes.schemas import Caracter, Estado
from sigexp_common import alcance, audit, entrada
from sigexp_common.security import Usuario

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
