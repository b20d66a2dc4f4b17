"""Verifying the chain: every hash recomputed in order, and the anchors given still in it."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from auditoria import dlq
from auditoria.cadena import CAMPOS, GENESIS, OPCIONALES, calcular_hash, contenido_de
from auditoria.metricas import EN_DESCARTE
from auditoria.models import Registro
from sigexp_common import audit
from sigexp_common.security import Perfil, Usuario, require_perfil

log = logging.getLogger("sigexp.auditoria")


@dataclass
class Verificacion:
    ok: bool
    registros: int
    primer_error: str | None = None
    en_descarte: int | None = None
    primer_registro_alterado: int | None = None  # the seq the error names
    anclas_verificadas: int = 0


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


_COLUMNAS = [
    Registro.__table__.c[c] for c in ("seq", "hash_anterior", "hash", *CAMPOS, *OPCIONALES)
]


async def _pagina_de_la_cadena(db: AsyncSession, despues_de: int | None) -> Sequence[Row[Any]]:
    """The next records of the chain in order, by pages on `seq` (a read runs in autocommit,
    where no server-side cursor lives: `db.Session`). Batches are appended in `seq` order under
    the chain's lock, so a page never sees a record whose predecessor is not committed yet.
    Plain rows, not ORM objects: building a million of those was most of the time."""
    consulta = select(*_COLUMNAS).order_by(Registro.seq).limit(_PAGINA_VERIFICADA)
    if despues_de is not None:
        consulta = consulta.where(Registro.seq > despues_de)
    return (await db.execute(consulta)).all()


def _eslabon(registro: Row[Any], anterior: str, seq_anterior: int) -> str | None:
    """What is wrong with this link of the chain, if anything."""
    if registro.hash_anterior != anterior:
        if registro.seq > seq_anterior + 1:
            faltan = f"{seq_anterior + 1}" + (
                f" a {registro.seq - 1}" if registro.seq - 1 > seq_anterior + 1 else ""
            )
            return f"registro {registro.seq}: faltan los registros anteriores ({faltan})"
        return f"registro {registro.seq}: falta el anterior o fue alterado o movido"
    if calcular_hash(anterior, contenido_de(cast(Mapping[str, Any], registro._mapping))) != (
        registro.hash
    ):
        return f"registro {registro.seq}: su contenido fue alterado"
    return None


async def recorrer(
    db: AsyncSession, anclas: Sequence[tuple[int, str]] = ()
) -> tuple[int, str | None, int | None, int]:
    """(records read, first error, its seq, anchors found) of the chain, in `seq` order.
    An anchor (seq, hash) must be in the chain as it was: a record with that number and that
    hash. One missing is a cut tail; one with another hash, a chain rewritten up to it."""
    pendientes = sorted(anclas)
    anterior, seq_anterior, total, ultimo = GENESIS, 0, 0, None
    vistas = 0
    while pendientes and pendientes[0][0] == 0:  # the empty chain's anchor
        if pendientes.pop(0)[1] != GENESIS:
            return 0, "ancla 0: no es la de una cadena vacía", 0, vistas
        vistas += 1
    while registros := await _pagina_de_la_cadena(db, ultimo):
        for registro in registros:
            total += 1
            if (error := _eslabon(registro, anterior, seq_anterior)) is not None:
                return total, error, registro.seq, vistas
            while pendientes and pendientes[0][0] <= registro.seq:
                seq, hash_ = pendientes.pop(0)
                if seq < registro.seq:
                    return total, f"registro {seq} del ancla: ya no está en la cadena", seq, vistas
                if hash_ != registro.hash:
                    error = f"registro {seq}: no coincide con el ancla (la cadena fue rehecha)"
                    return total, error, seq, vistas
                vistas += 1
            anterior, seq_anterior = registro.hash, registro.seq
        ultimo = registros[-1].seq
    if pendientes:
        seq = pendientes[0][0]
        error = f"registro {seq} del ancla: la cadena termina en {seq_anterior} (fue cortada)"
        return total, error, seq, vistas
    return total, None, None, vistas


async def verificar_cadena(
    db: AsyncSession, por: Usuario, amqp_url: str, anclas: Sequence[tuple[int, str]] = ()
) -> Verificacion:
    """Recompute every hash in order: an edited, missing or moved row breaks the chain; an
    anchor no longer in it shows a cut tail or a rewritten chain. Records that never reached
    the chain (dead-lettered) make it incomplete: not ok either."""
    require_perfil(por, Perfil.ADMIN, accion="auditoria.verificar")
    en_descarte, problema = await _en_descarte(amqp_url)
    total, error, seq, vistas = await recorrer(db, anclas)
    await audit.lectura(
        db,
        por,
        "auditoria.verificar",
        "auditoria",
        detalle={"registros": total, "en_descarte": en_descarte, "anclas": len(anclas),
                 "ok": error is None and problema is None, "primer_error": error},
    )  # fmt: skip
    if error is not None:
        return Verificacion(False, total, error, en_descarte, seq, vistas)
    return Verificacion(problema is None, total, problema, en_descarte, None, vistas)
