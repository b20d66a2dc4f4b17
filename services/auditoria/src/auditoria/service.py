"""Use cases of the auditoria service: append to the chain, query and export it (verifying
it: `verificacion`; its anchors: `anclas`)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, Table, insert, select, tuple_
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auditoria.cadena import GENESIS, calcular_hash, contenido_de
from auditoria.events import AccesoRegistrado
from auditoria.metricas import REGISTROS_FALLIDOS
from auditoria.models import EventoRecibido, Registro
from sigexp_common import audit, entrada
from sigexp_common.db import advisory_xact_lock, autocommit
from sigexp_common.envelope import AnyEvent
from sigexp_common.security import Perfil, Usuario, require_perfil

log = logging.getLogger("sigexp.auditoria")

CADENA_LOCK = "auditoria.cadena"  # one appender at a time: a record needs its predecessor's hash


async def anexar_registros(db: AsyncSession, accesos: Sequence[AccesoRegistrado]) -> None:
    """Chain a batch of records in the order given, taking the chain's lock once."""
    await advisory_xact_lock(db, CADENA_LOCK)
    cabeza = (await db.execute(_CABEZA)).first()
    # Chain order is `seq` order, without gaps: the batch takes the numbers after the head's,
    # under the lock (a sequence's `nextval` would leave holes where a batch rolled back).
    ultimo, anterior = (cabeza.seq, cabeza.hash) if cabeza else (0, None)
    filas = []
    for seq, acceso in enumerate(accesos, start=ultimo + 1):
        fila = _fila(acceso)
        fila["seq"] = seq
        fila["hash_anterior"] = anterior or GENESIS
        fila["hash"] = calcular_hash(fila["hash_anterior"], contenido_de(fila))
        anterior = fila["hash"]
        filas.append(fila)
    try:
        # Core, one statement for the batch: no unit of work (the ORM's per-row cost was most
        # of auditoria's own time per record).
        await db.execute(insert(_REGISTROS), filas)
    except DBAPIError:
        REGISTROS_FALLIDOS.labels("base").inc()
        log.error(
            "the database refused %d audit record(s): a batch is tried again record by record, "
            "a record refused alone is redelivered, then dead-lettered",
            len(filas),
            exc_info=True,
            extra={"event_ids": [str(f["id"]) for f in filas][:20]},
        )
        raise


_REGISTROS: Table = Registro.__table__  # type: ignore[assignment]
_EVENTOS: Table = EventoRecibido.__table__  # type: ignore[assignment]
_CABEZA = select(Registro.seq, Registro.hash).order_by(Registro.seq.desc()).limit(1)


def _fila(acceso: AccesoRegistrado) -> dict[str, Any]:
    envelope = acceso.envelope
    return {
        "id": envelope.id,
        "en": acceso.en.astimezone(UTC),
        "servicio": audit.acotar(envelope.source.rsplit("/", 1)[-1], 60),
        "usuario_id": acceso.usuario_id,
        "usuario": acceso.usuario,
        "perfil": acceso.perfil,
        "accion": acceso.accion,
        "recurso": acceso.recurso,
        "expediente_id": acceso.expediente_id,
        "ip": acceso.ip,
        "resultado": acceso.resultado,
        "detalle": acceso.detalle,
        "mesa_id": acceso.mesa_id,
        "organismo_id": acceso.organismo_id,
        "request_id": acceso.request_id,
    }


async def guardar_eventos(db: AsyncSession, eventos: Sequence[AnyEvent]) -> None:
    filas = [
        {
            "id": e.envelope.id,
            "type": e.envelope.type,
            "source": e.envelope.source,
            "subject": e.envelope.subject,
            "time": e.envelope.time,
            "data": e.envelope.data,
        }
        for e in eventos
    ]
    await db.execute(insert(_EVENTOS), filas)


@dataclass
class Consulta:
    expediente_id: uuid.UUID | None = None
    usuario_id: uuid.UUID | None = None
    accion: str | None = None
    resultado: str | None = None
    request_id: str | None = None
    desde: datetime | None = None
    hasta: datetime | None = None
    cursor: str | None = None
    limit: int = 50


async def consultar(
    db: AsyncSession, c: Consulta, por: Usuario
) -> tuple[list[Registro], str | None]:
    """Newest first by when it happened (`en`, then chain order); the cursor is the last
    record's `en|seq`, opaque to clients."""
    require_perfil(por, Perfil.ADMIN, Perfil.AUTORIDAD, accion="auditoria.consultar")
    query = _seleccion(c)
    if c.cursor:
        en, seq = _leer_cursor(c.cursor)
        query = query.where(tuple_(Registro.en, Registro.seq) < tuple_(en, seq))
    query = query.order_by(Registro.en.desc(), Registro.seq.desc()).limit(c.limit + 1)
    rows = list((await db.scalars(query)).all())
    siguiente = _cursor(rows[c.limit - 1]) if len(rows) > c.limit else None
    await audit.lectura(
        db,
        por,
        "auditoria.consultar",
        "auditoria",
        expediente_id=c.expediente_id,
        detalle=_filtros(c),
    )
    return rows[: c.limit], siguiente


def _filtros(c: Consulta) -> dict[str, Any]:
    """What an auditor asked for, kept in the record of the query itself."""
    valores = {
        "usuario_id": c.usuario_id,
        "accion": c.accion,
        "resultado": c.resultado,
        "request_id": c.request_id,
        "desde": c.desde.isoformat() if c.desde else None,
        "hasta": c.hasta.isoformat() if c.hasta else None,
    }
    return {k: str(v) for k, v in valores.items() if v is not None}


_PAGINA_EXPORTADA = 1000


async def exportar(db: AsyncSession, c: Consulta, por: Usuario) -> None:
    """Record the export of a selection (`auditoria.exportar`), before any row leaves."""
    require_perfil(por, Perfil.ADMIN, Perfil.AUTORIDAD, accion="auditoria.exportar")
    await audit.lectura(
        db, por, "auditoria.exportar", "auditoria", expediente_id=c.expediente_id,
        detalle=_filtros(c),
    )  # fmt: skip


async def filas_exportadas(
    sesiones: async_sessionmaker[AsyncSession], c: Consulta
) -> AsyncIterator[Sequence[Registro]]:
    """The whole selection, newest first, in keyset pages (each page its own short read: no
    transaction or cursor stays open while a slow client downloads)."""
    desde: tuple[datetime, int] | None = None
    while True:
        query = _seleccion(c)
        if desde is not None:
            query = query.where(tuple_(Registro.en, Registro.seq) < tuple_(*desde))
        query = query.order_by(Registro.en.desc(), Registro.seq.desc()).limit(_PAGINA_EXPORTADA)
        async with sesiones(bind=autocommit(sesiones.kw["bind"])) as db:
            pagina = (await db.scalars(query)).all()
        if not pagina:
            return
        yield pagina
        if len(pagina) < _PAGINA_EXPORTADA:
            return
        desde = (pagina[-1].en, pagina[-1].seq)


def _seleccion(c: Consulta) -> Select[Registro]:
    """The records matching the filters of a query or an export."""
    query = select(Registro)
    if c.expediente_id:
        query = query.where(Registro.expediente_id == c.expediente_id)
    if c.usuario_id:
        query = query.where(Registro.usuario_id == c.usuario_id)
    if c.accion:
        query = query.where(Registro.accion == c.accion)
    if c.resultado:
        query = query.where(Registro.resultado == c.resultado)
    if c.request_id:
        query = query.where(Registro.request_id == c.request_id)
    if c.desde:
        query = query.where(Registro.en >= c.desde)
    if c.hasta:
        query = query.where(Registro.en <= c.hasta)
    return query


def _cursor(registro: Registro) -> str:
    return entrada.cursor(registro.en.isoformat(), str(registro.seq))


def _leer_cursor(cursor: str) -> tuple[datetime, int]:
    en, seq = entrada.leer_cursor(cursor, 2)
    return entrada.instante(en), entrada.numero(seq)
