"""Reading expedientes: one detail, and the scoped listing with its filters and cursor."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy import Row, Select, bindparam
from sqlalchemy.ext.asyncio import AsyncSession

from expedientes.models import Custodia, Expediente, ExpedienteLeido, leer_expedientes
from expedientes.schemas import Caracter, Estado
from expedientes.service import busqueda, conexos
from sigexp_common import alcance, audit
from sigexp_common.security import Usuario

# Built once (building and keying this statement cost more than running it): the user's scope
# and the id are bound parameters.
# Its conexos (links, accumulations) are columns of the same SELECT.
_DETALLE = leer_expedientes(
    alcance.visible(Custodia.mesas).label("visible"), *conexos.columnas_del_detalle()
).where(Expediente.id == bindparam("expediente_id"))


async def ver_expediente(
    db: AsyncSession, expediente_id: uuid.UUID, por: Usuario
) -> ExpedienteLeido:
    """One round trip: the row, its custody and whether `por` may see it (the scope rule as a
    column, not a second query)."""
    accion = "expediente.ver"
    expediente = await leer_expediente(db, expediente_id, por, accion)
    await audit.lectura(db, por, accion, f"expediente/{expediente.id}", expediente_id=expediente.id)
    return expediente


async def leer_expediente(
    db: AsyncSession, expediente_id: uuid.UUID, por: Usuario, accion: str
) -> ExpedienteLeido:
    """`ver_expediente` without its record: the caller records the read it is part of."""
    return ExpedienteLeido.de(await fila_visible(db, _DETALLE, expediente_id, por, accion))


async def fila_visible(
    db: AsyncSession,
    statement: Select[Any],
    expediente_id: uuid.UUID,
    por: Usuario,
    accion: str,
    **parametros: Any,
) -> Row[Any]:
    """The row of `statement` (a `_DETALLE` with more columns) when `por` may see it; else
    the scope rule's recorded refusal."""
    conexion = await db.connection()  # Core on the request's transaction: no ORM execute path
    valores = {"expediente_id": expediente_id, **alcance.parametros(por), **parametros}
    row: Row[Any] | None = (await conexion.execute(statement, valores)).first()
    if row is None:
        raise alcance.no_existe(por, accion, expediente_id)
    if not row.visible:
        raise alcance.rechazo(por, row.caracter, accion, expediente_id)
    return row


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
) -> tuple[list[asyncpg.Record], str | None]:
    """Within the user's scope: best matches first when `q` is given, else newest first
    (`service/busqueda.py`), paged by an opaque cursor; rows of `leer_expedientes` (the route
    writes them at once, `schemas.expedientes_json`)."""
    pedida = busqueda.Busqueda.de(filtros.q) if filtros.q else None
    conexion = await busqueda.conexion(db)
    rows, siguiente = await busqueda.pagina(
        conexion, _lectura(filtros, por), pedida, filtros.limit, filtros.cursor
    )
    await audit.lectura(
        db,
        por,
        "expediente.buscar",
        "expedientes",
        detalle={"q": filtros.q, "resultados": len(rows)},
    )
    return rows, siguiente


def _lectura(filtros: Filtros, por: Usuario) -> busqueda.Lectura:
    """The files within `por`'s scope that pass `filtros`; a desk's clerk's page is first read
    through the desk's own newest scope rows (`busqueda.Lectura`)."""
    condiciones = _filtrar(filtros)
    custodia = filtros.estado is not None  # `_estado_es` reads the custody copy
    if por.ve_todo:
        return busqueda.Lectura(condiciones, filtra_custodia=custodia)
    mesa_id = por.mesa_id
    if mesa_id is None:
        return busqueda.Lectura(condiciones, lambda _: "false")
    # `alcance.filtro`'s rule over the scope the GIN index holds (`ix_expedientes_mesas`).
    return busqueda.Lectura(
        condiciones,
        lambda s: f"expedientes.mesas @> ARRAY[{s.arg(mesa_id)}::uuid]",
        mesa_id,
        filtros.anio,
        custodia,
    )


def _filtrar(f: Filtros) -> tuple[busqueda.Condicion, ...]:
    condiciones = []
    if f.estado is not None:
        condiciones.append(_estado_es(f.estado))
    # Values the route validated (an enum, digits, a number) are written into the statement
    # (`busqueda.constante`); `tipo`, any text up to 50 characters, stays a bound argument.
    exactos = {
        "caracter": f.caracter.value if f.caracter else None,
        "codigo": f.codigo,
        "anio": f.anio,
    }
    for columna, valor in exactos.items():
        if valor is not None:
            condiciones.append(_igual(columna, valor))
    if f.tipo is not None:
        tipo = f.tipo
        condiciones.append(lambda s: f"expedientes.tipo = {s.arg(tipo)}")
    if f.mes is not None:
        mes = f.mes
        condiciones.append(
            lambda _: f"EXTRACT(month FROM expedientes.creado_en) = {busqueda.constante(mes)}"
        )
    return tuple(condiciones)


def _igual(columna: str, valor: int | str) -> busqueda.Condicion:
    return lambda _: f"expedientes.{columna} = {busqueda.constante(valor)}"


def _estado_es(estado: Estado) -> busqueda.Condicion:
    """The API's estado as a condition: RECEPCION_PENDIENTE is custody's, the rest lifecycle."""
    if estado is Estado.RECEPCION_PENDIENTE:
        return lambda _: "custodias.en_transito IS true"
    ciclo = estado.value
    return lambda _: (
        f"custodias.en_transito IS false AND expedientes.ciclo = {busqueda.constante(ciclo)}"
    )
