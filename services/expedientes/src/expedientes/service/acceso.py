"""Who may act on an expediente: the scope of a read, the profiles that work at a desk, and
the holder's rule for changing it. Every refusal is recorded (`audit.denegar`, through
`sigexp_common.alcance` for the scope)."""

from __future__ import annotations

import uuid
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from expedientes.models import Ciclo, Expediente
from sigexp_common import alcance, audit
from sigexp_common.errors import Conflicto, ErrorDominio, SinPermiso
from sigexp_common.security import Perfil, Usuario

ESCRITURA = "ESCRITURA"
PERFILES_DE_MESA = (Perfil.MESA_ENTRADA, Perfil.OFICINA)
E = TypeVar("E", bound=ErrorDominio)


async def expediente_para(
    db: AsyncSession,
    expediente_id: uuid.UUID,
    por: Usuario,
    accion: str,
    que: str = "verlo",
    *,
    bloquear: bool = False,
    para_actuar: bool = False,
) -> Expediente:
    """The expediente with its custody copy, when `por` may see it; else the recorded answer
    of the scope rule (404 missing or RESERVADO out of scope, 403 PUBLICO out of scope).
    `bloquear` locks its row until the transaction ends (edits and lifecycle changes).

    `para_actuar`: the desk a pase is on its way to is not in the file's scope yet, but it
    knows the file is coming (its en-mesa list shows it), so an action of its gets the
    custody rule's answer (409, not received yet: `exigir_tenencia`) instead of 403/404."""
    query = select(Expediente).where(Expediente.id == expediente_id)
    if bloquear:
        query = query.with_for_update(of=Expediente)
    expediente = await db.scalar(query)
    if expediente is None:
        raise alcance.no_existe(por, accion, expediente_id)
    destino = por.mesa_id is not None and expediente.custodia.mesa_id == por.mesa_id
    if not (para_actuar and destino):
        mesas = expediente.custodia.mesas
        alcance.exigir(por, mesas, expediente.caracter, accion, expediente_id, que)
    return expediente


def exigir_perfil(por: Usuario, accion: str, expediente_id: uuid.UUID, *perfiles: Perfil) -> None:
    """Only the desk profiles (MESA_ENTRADA, OFICINA unless `perfiles` says) act on a file."""
    if por.perfil not in (perfiles or PERFILES_DE_MESA):
        raise denegar(
            SinPermiso("Su perfil no permite realizar esta acción."), por, accion, expediente_id
        )


def exigir_tenencia(
    por: Usuario, expediente: Expediente, accion: str, que: str, *, escritura: bool = True
) -> None:
    """Only the desk holding the expediente, having received it (with ESCRITURA when
    `escritura`), acts on it, and nobody on an ANULADO one: otherwise 409 naming the rule."""
    custodia = expediente.custodia
    fallo = None
    if expediente.ciclo == Ciclo.ANULADO:
        fallo = f"El expediente está anulado: nadie puede {que}."
    elif custodia.mesa_id != por.mesa_id:
        if custodia.en_transito and custodia.mesa_origen_id == por.mesa_id:
            fallo = f"Su mesa envió el expediente a otra mesa: ya no puede {que}."
        else:
            fallo = (
                f"El expediente está en poder de otra mesa: solo la mesa que lo tiene puede {que}."
            )
    elif custodia.en_transito:
        fallo = f"Su mesa todavía no recibió el expediente: confirme la recepción antes de {que}."
    elif escritura and custodia.permiso != ESCRITURA:
        fallo = f"Su mesa tiene el expediente con permiso de LECTURA: no puede {que}."
    if fallo is not None:
        raise denegar(Conflicto(fallo), por, accion, expediente.id)


def denegar(error: E, por: Usuario, accion: str, expediente_id: uuid.UUID) -> E:
    """`error`, carrying the record of the refusal and its rule (committed before it is
    answered)."""
    return audit.denegar(
        error,
        por,
        accion,
        f"expediente/{expediente_id}",
        expediente_id=expediente_id,
        detalle={"regla": error.detail},
    )
