"""The one scope rule (DESIGN.md, "own scope"): who may see an expediente.

A user sees an expediente when its profile sees every organismo (AUTORIDAD, ADMIN) or when the
user's desk is among the desks the expediente started at or reached. Those desks come from
custody, which pases owns; every service keeps them in its read copy of custody as an array
column (`mesas`) and asks this module, so the rule is written once. Out of scope, a RESERVADO
expediente is refused exactly like a missing one (404); a PUBLICO one with 403.

A service that has not heard of an expediente yet asks `desconocido`: an id made in the last
moments (expediente ids are UUIDv7, `sigexp_common.ids`) is news still on the bus (409 with
`Retry-After`); any other is a missing expediente. Such a service (one that keeps a copy) refuses
a RESERVADO out of scope with `copia=True`: exactly the answer `desconocido` gives an unknown id
of the same age (409 while young, then 404), so neither the status nor the body nor the work
done (one recorded refusal each) tells an existing RESERVADO from a made-up id.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import timedelta
from typing import Any

from sqlalchemy import Boolean, ColumnElement, bindparam, or_, true
from sqlalchemy.dialects.postgresql import UUID, array

from sigexp_common import audit
from sigexp_common.envelope import utcnow
from sigexp_common.errors import Conflicto, NoEncontrado, SinPermiso
from sigexp_common.ids import instante
from sigexp_common.security import Usuario

RESERVADO = "RESERVADO"
NO_EXISTE = "El expediente no existe."
RECIENTE = timedelta(minutes=5)
"""How long an expediente unknown here may still be on its way (the bus delivers within a
second; this covers a consumer that was restarting or a broker that was briefly down)."""
ESPERA = 1  # seconds a client waits before asking again for news still on the bus


def ve(usuario: Usuario, mesas: Collection[uuid.UUID]) -> bool:
    """True when `usuario` may see an expediente that reached `mesas`."""
    return usuario.ve_todo or (usuario.mesa_id is not None and usuario.mesa_id in mesas)


def filtro(usuario: Usuario, mesas: Any) -> ColumnElement[bool]:
    """The same rule as a WHERE clause over an ARRAY(UUID) column (indexed with GIN)."""
    if usuario.ve_todo:
        return true()
    if usuario.mesa_id is None:
        return ~true()
    return mesas.contains([usuario.mesa_id])  # type: ignore[no-any-return]


def visible(mesas: Any) -> ColumnElement[bool]:
    """The same rule over bound parameters (`parametros(usuario)` fills them), so a statement
    that selects it is built once and serves every user. For lookups by key: as a WHERE over
    many rows prefer `filtro`, whose shape the planner can match with the GIN index."""
    mesa = array([bindparam(_MESA, type_=UUID(as_uuid=True))])
    return or_(bindparam(_VE_TODO, type_=Boolean), mesas.contains(mesa))


_VE_TODO, _MESA = "alcance_ve_todo", "alcance_mesa"


def parametros(usuario: Usuario) -> dict[str, Any]:
    """The values of `visible`'s parameters for `usuario`."""
    return {_VE_TODO: usuario.ve_todo, _MESA: usuario.mesa_id}


def exigir(
    usuario: Usuario,
    mesas: Collection[uuid.UUID],
    caracter: str,
    accion: str,
    expediente_id: uuid.UUID,
    que: str = "verlo",
    *,
    copia: bool = False,
) -> None:
    """Refuse (recorded, through `audit.denegar`) unless `usuario` may see the expediente."""
    if not ve(usuario, mesas):
        raise rechazo(usuario, caracter, accion, expediente_id, que, copia=copia)


def rechazo(
    usuario: Usuario,
    caracter: str,
    accion: str,
    expediente_id: uuid.UUID,
    que: str = "verlo",
    *,
    copia: bool = False,
) -> NoEncontrado | SinPermiso | Conflicto:
    """The recorded refusal of an expediente out of `usuario`'s scope, for a read that asked
    `filtro` in its own query: when RESERVADO, the answer for a missing one (`no_existe`, or with
    `copia` `desconocido`: what this service answers an id it never heard of), else 403."""
    if caracter == RESERVADO:
        if copia:
            return desconocido(usuario, accion, expediente_id)
        return no_existe(usuario, accion, expediente_id)
    error = SinPermiso(f"El expediente no pasó por su mesa: no puede {que}.")
    recurso = f"expediente/{expediente_id}"
    return audit.denegar(error, usuario, accion, recurso, expediente_id=expediente_id)


def no_existe(usuario: Usuario, accion: str, expediente_id: uuid.UUID) -> NoEncontrado:
    """The refusal for a missing expediente: the same answer and the same recorded work as a
    RESERVADO one out of scope."""
    return audit.denegar(
        NoEncontrado(NO_EXISTE),
        usuario,
        accion,
        f"expediente/{expediente_id}",
        expediente_id=expediente_id,
    )


def desconocido(
    usuario: Usuario, accion: str, expediente_id: uuid.UUID, reciente: timedelta = RECIENTE
) -> Conflicto | NoEncontrado:
    """The answer of a service that has not heard of `expediente_id`: 409 (ask again in a
    second) when the id was made within `reciente`, else exactly the answer for a missing one."""
    creado = instante(expediente_id)
    if creado is not None and utcnow() - reciente <= creado <= utcnow() + timedelta(seconds=5):
        # Recorded like every refusal, so it costs what the refusal of an existing one costs.
        return audit.denegar(
            Conflicto(
                "El expediente todavía no figura en este servicio; intente de nuevo en un momento.",
                retry_after=ESPERA,
            ),
            usuario,
            accion,
            f"expediente/{expediente_id}",
            expediente_id=expediente_id,
        )
    return no_existe(usuario, accion, expediente_id)
