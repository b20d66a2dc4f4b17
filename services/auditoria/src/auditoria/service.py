"""Use cases of the auditoria service: append to the chain, query it, verify it."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, Table, insert, select, text, tuple_
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from auditoria import dlq
from auditoria.cadena import GENESIS, calcular_hash, contenido, contenido_de
from auditoria.events import AccesoRegistrado
from auditoria.metricas import EN_DESCARTE, REGISTROS_FALLIDOS
from auditoria.models import EventoRecibido, Registro
from sigexp_common import audit, entrada
from sigexp_common.db import advisory_xact_lock
from sigexp_common.envelope import AnyEvent
from sigexp_common.security import Perfil, Usuario, require_perfil

log = logging.getLogger("sigexp.auditoria")

_CADENA_LOCK = "auditoria.cadena"  # one appender at a time: a record needs its predecessor's hash


async def anexar_registros(db: AsyncSession, accesos: Sequence[AccesoRegistrado]) -> None:
    """Chain a batch of records in the order given, taking the chain's lock once."""
    await advisory_xact_lock(db, _CADENA_LOCK)
    anterior = await db.scalar(select(Registro.hash).order_by(Registro.seq.desc()).limit(1))
    # Chain order is `seq` order: the batch's numbers are drawn here, under the lock, and
    # given in the order of the chain (a default per row would leave that to the INSERT).
    numeros = sorted((await db.execute(_NUMEROS, {"n": len(accesos)})).scalars())
    filas = []
    for seq, acceso in zip(numeros, accesos, strict=True):
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
_NUMEROS = text(
    "SELECT nextval(pg_get_serial_sequence('registros', 'seq')) FROM generate_series(1, :n)"
)


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
    desde: datetime | None = None
    hasta: datetime | None = None
    cursor: str | None = None
    limit: int = 50


async def consultar(
    db: AsyncSession, c: Consulta, por: Usuario
) -> tuple[list[Registro], str | None]:
    """Newest first by when it happened (`en`, then chain order); the cursor is the last
    record's `en|seq`, opaque to clients."""
    require_perfil(por, Perfil.ADMIN, Perfil.AUTORIDAD)
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
        detalle={"usuario_id": str(c.usuario_id) if c.usuario_id else None, "accion": c.accion},
    )
    return rows[: c.limit], siguiente


MAX_EXPORTADOS = 10_000


async def exportar(db: AsyncSession, c: Consulta, por: Usuario) -> tuple[list[Registro], bool]:
    """The newest `MAX_EXPORTADOS` records of the selection (and whether there were more),
    for the CSV export; the export itself is audited (`auditoria.exportar`)."""
    require_perfil(por, Perfil.ADMIN, Perfil.AUTORIDAD)
    query = _seleccion(c).order_by(Registro.en.desc(), Registro.seq.desc())
    rows = list((await db.scalars(query.limit(MAX_EXPORTADOS + 1))).all())
    await audit.lectura(
        db,
        por,
        "auditoria.exportar",
        "auditoria",
        expediente_id=c.expediente_id,
        detalle={
            "usuario_id": str(c.usuario_id) if c.usuario_id else None,
            "accion": c.accion,
            "filas": min(len(rows), MAX_EXPORTADOS),
        },
    )
    return rows[:MAX_EXPORTADOS], len(rows) > MAX_EXPORTADOS


def _seleccion(c: Consulta) -> Select[Registro]:
    """The records matching the filters of a query or an export."""
    query = select(Registro)
    if c.expediente_id:
        query = query.where(Registro.expediente_id == c.expediente_id)
    if c.usuario_id:
        query = query.where(Registro.usuario_id == c.usuario_id)
    if c.accion:
        query = query.where(Registro.accion == c.accion)
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


@dataclass
class Verificacion:
    ok: bool
    registros: int
    primer_error: str | None = None
    en_descarte: int | None = None


async def _en_descarte(amqp_url: str) -> tuple[int | None, str | None]:
    """(messages in auditoria.dlq, the problem to report) — records there are not chained."""
    try:
        cantidad = await dlq.mensajes_en_descarte(amqp_url)
    except dlq.ERRORES_DEL_BROKER as exc:
        EN_DESCARTE.set(-1)
        log.warning("could not read the depth of %s: %s", dlq.COLA, exc)
        return None, (
            f"no se pudo consultar la cola de descarte ({dlq.COLA}): no se sabe si hay "
            "registros sin guardar"
        )
    EN_DESCARTE.set(cantidad)
    if cantidad == 0:
        return 0, None
    return cantidad, (
        f"{cantidad} mensaje{'s' if cantidad > 1 else ''} de auditoría en la cola de descarte "
        f"({dlq.COLA}) sin guardar en la cadena"
    )


_PAGINA_VERIFICADA = 1000


async def _pagina_de_la_cadena(db: AsyncSession, despues_de: int | None) -> Sequence[Registro]:
    """The next records of the chain in order, by pages on `seq` (a read runs in autocommit,
    where no server-side cursor lives: `db.Session`). Batches are appended in `seq` order under
    the chain's lock, so a page never sees a record whose predecessor is not committed yet."""
    consulta = select(Registro).order_by(Registro.seq).limit(_PAGINA_VERIFICADA)
    if despues_de is not None:
        consulta = consulta.where(Registro.seq > despues_de)
    return (await db.scalars(consulta)).all()


async def verificar_cadena(db: AsyncSession, por: Usuario, amqp_url: str) -> Verificacion:
    """Recompute every hash in order: an edited row or a missing one breaks the chain. Records
    that never reached the chain (dead-lettered) make it incomplete: not ok either."""
    require_perfil(por, Perfil.ADMIN)
    en_descarte, problema = await _en_descarte(amqp_url)
    anterior, total, ultimo = GENESIS, 0, None
    while registros := await _pagina_de_la_cadena(db, ultimo):
        for registro in registros:
            total += 1
            if registro.hash_anterior != anterior:
                error = f"registro {registro.seq}: falta el anterior o fue alterado"
                return Verificacion(False, total, error, en_descarte)
            if calcular_hash(anterior, contenido(registro)) != registro.hash:
                error = f"registro {registro.seq}: su contenido fue alterado"
                return Verificacion(False, total, error, en_descarte)
            anterior = registro.hash
        ultimo = registros[-1].seq
    await audit.lectura(
        db,
        por,
        "auditoria.verificar",
        "auditoria",
        detalle={"registros": total, "en_descarte": en_descarte},
    )
    return Verificacion(problema is None, total, problema, en_descarte)
