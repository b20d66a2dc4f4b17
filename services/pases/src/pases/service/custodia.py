"""Custody as expedientes' events start it: the starting desk holds each new expediente."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pases.copias import ExpedienteCopia
from pases.events import CustodiaActualizada, ExpedienteIniciado
from pases.models import Tenencia
from pases.service import copias
from sigexp_common import outbox


async def registrar_expediente_iniciado(db: AsyncSession, evento: ExpedienteIniciado) -> None:
    """The starting desk holds the new expediente, with the permission the alta gave it; the
    custody is published for every copy (expedientes confirms its seeded one with it). The
    copy of its data starts too; an edit that overtook the alta on the bus wins over it."""
    await copias.copiar_iniciado(db, evento)
    if await db.get(Tenencia, evento.expediente_id) is not None:
        return  # the same alta announced again (a republication): custody already began
    tenencia = Tenencia.asignar_inicial(
        evento.expediente_id,
        evento.mesa_id,
        permiso=evento.permiso,
        desde=evento.creado_en,
        referencia=evento.referencia,
        caracter=evento.caracter,
        organismo_id=evento.organismo_id,
        fojas=evento.fojas,
        tomos=evento.tomos,
    )
    copia = await db.get(ExpedienteCopia, evento.expediente_id)
    if copia is not None and copia.referencia and copia.caracter:
        tenencia.referencia, tenencia.caracter = copia.referencia, copia.caracter
    db.add(tenencia)
    outbox.add(db, CustodiaActualizada.de(tenencia))
