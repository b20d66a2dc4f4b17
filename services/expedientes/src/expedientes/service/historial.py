"""An expediente's timeline: entries written by this service's use cases, entries heard from
other services' events, and the scoped read of it (oldest first)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from expedientes.events import Noticia
from expedientes.models import Mesa
from expedientes.models_acciones import Suceso
from expedientes.service import acceso, conexos
from sigexp_common import audit
from sigexp_common.envelope import utcnow
from sigexp_common.ids import uuid7
from sigexp_common.security import Usuario


def anotar(
    db: AsyncSession,
    expediente_id: uuid.UUID,
    accion: str,
    por: Usuario,
    detalle: dict[str, Any] | None = None,
    en: datetime | None = None,
) -> None:
    """Add what `por` just did to the expediente's timeline (in the caller's transaction)."""
    db.add(
        Suceso(
            id=uuid7(),
            expediente_id=expediente_id,
            en=en or utcnow(),
            accion=accion,
            usuario_id=por.id,
            usuario=por.usuario,
            mesa_id=por.mesa_id,
            detalle=detalle or {},
        )
    )


async def anotar_noticia(
    db: AsyncSession, accion: str, noticia: Noticia, origen: str, detalle: dict[str, Any]
) -> bool:
    """Add a fact heard from another service, once: `origen` names the fact (`pase.recibido:
    <pase_id>`), so the same fact delivered again, or published again under another event id,
    adds nothing. True when it was new (its effects, such as fojas, apply only then)."""
    statement = (
        insert(Suceso)
        .values(
            id=uuid7(),
            expediente_id=noticia.expediente_id,
            en=noticia.cuando,
            accion=accion,
            usuario_id=noticia.por_usuario_id,
            usuario=noticia.por_usuario,
            mesa_id=noticia.por_mesa_id,
            detalle=detalle,
            origen=origen,
        )
        .on_conflict_do_nothing(index_elements=[Suceso.origen])
        .returning(Suceso.id)
    )
    return (await db.execute(statement)).first() is not None


E = TypeVar("E")


@dataclass(frozen=True)
class Entrada:
    en: datetime
    accion: str
    usuario: str | None
    mesa: dict[str, Any] | None
    detalle: dict[str, Any]


async def leer_historial(db: AsyncSession, expediente_id: uuid.UUID, por: Usuario) -> list[Entrada]:
    """The timeline, oldest first (by when each thing happened, whatever order it was heard
    in), under the detail's scope rule."""
    accion = "expediente.ver_historial"
    expediente = await acceso.expediente_para(db, expediente_id, por, accion)
    entradas = await entradas_de(db, expediente.id)
    entradas = await sin_reservados_ajenos(db, entradas, por, _de_entrada)
    await audit.lectura(db, por, accion, f"expediente/{expediente.id}", expediente_id=expediente.id)
    return entradas


# Built once: the id is a bound parameter.
_ENTRADAS = (
    select(Suceso, Mesa.nombre)
    .outerjoin(Mesa, Mesa.id == Suceso.mesa_id)
    .where(Suceso.expediente_id == bindparam("expediente_id"))
    .order_by(Suceso.en, Suceso.id)
)


async def entradas_de(db: AsyncSession, expediente_id: uuid.UUID) -> list[Entrada]:
    """The timeline of an expediente its caller may see, oldest first (not recorded here)."""
    return [
        Entrada(
            en=suceso.en,
            accion=suceso.accion,
            usuario=suceso.usuario,
            mesa=None if suceso.mesa_id is None else {"id": suceso.mesa_id, "nombre": nombre},
            detalle=suceso.detalle,
        )
        for suceso, nombre in (await db.execute(_ENTRADAS, {"expediente_id": expediente_id})).all()
    ]


async def sin_reservados_ajenos(
    db: AsyncSession,
    entradas: list[E],
    por: Usuario,
    partes: Callable[[E], tuple[str, dict[str, Any]]],
) -> list[E]:
    """Entries that name a RESERVADO expediente out of `por`'s scope (a link, an accumulation)
    are left out: the timeline never reveals that file (one more query only when it names
    any). `partes` gives an entry's accion and detalle (an `Entrada`, or its JSON form)."""
    nombres = [conexos.nombrados(*partes(e)) for e in entradas]
    fuera = await conexos.ocultos(db, [i for ids in nombres for i in ids], por)
    if not fuera:
        return entradas
    return [e for e, ids in zip(entradas, nombres, strict=True) if not fuera.intersection(ids)]


def _de_entrada(entrada: Entrada) -> tuple[str, dict[str, Any]]:
    return entrada.accion, entrada.detalle
