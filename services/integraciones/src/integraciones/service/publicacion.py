"""From internal events to public ones: the read copies, the redaction, the archive (which is
also the outbox of `sigexp.publico`) and the deliveries integraciones makes itself."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from integraciones import claves, events, redaccion
from integraciones.models import (
    Canal,
    Entrega,
    EventoPublicado,
    ExpedienteCopia,
    ExpedienteOrganismo,
    MesaCopia,
    Suscriptor,
)
from integraciones.publico import EventoPublico
from sigexp_common.envelope import Envelope, Event
from sigexp_common.projection import apply_if_newer, version

FUENTE = "/sigexp/integraciones"
# A public event's id is derived from the internal one: handling an event again (after a lost
# inbox row, or a replay of the internal bus) makes the same public event, stored once.
ESPACIO = uuid.UUID("5b0d5c3e-3a8f-4e57-9a55-5d1c0b7e1f60")


async def registrar_mesa(db: AsyncSession, ev: events.MesaActualizada) -> None:
    await apply_if_newer(
        db, MesaCopia, {"id": ev.id}, version(ev), {"organismo_id": ev.organismo_id}
    )


async def _copia(db: AsyncSession, expediente_id: uuid.UUID) -> redaccion.Expediente | None:
    copia = await db.get(ExpedienteCopia, expediente_id)
    if copia is None:
        return None
    return redaccion.Expediente(copia.referencia, copia.caracter, copia.estado)


async def _guardar_copia(
    db: AsyncSession, expediente_id: uuid.UUID, ev: Event, datos: dict[str, Any]
) -> None:
    await apply_if_newer(db, ExpedienteCopia, {"id": expediente_id}, version(ev), datos)


async def expediente_iniciado(db: AsyncSession, ev: events.ExpedienteIniciado) -> None:
    datos = {"referencia": ev.referencia, "caracter": ev.caracter, "estado": ev.estado}
    await _guardar_copia(db, ev.expediente_id, ev, datos)
    organismos = {ev.organismo_id} if ev.organismo_id else set()
    await publicar(db, ev, redaccion.expediente_iniciado(ev), [ev.mesa_id], organismos)


async def expediente_actualizado(db: AsyncSession, ev: events.ExpedienteActualizado) -> None:
    datos = {"referencia": ev.referencia, "caracter": ev.caracter, "estado": ev.estado}
    await _guardar_copia(db, ev.expediente_id, ev, datos)
    await publicar(db, ev, redaccion.expediente_actualizado(ev), [], set())


async def expediente_anulado(db: AsyncSession, ev: events.ExpedienteAnulado) -> None:
    exp = await _copia(db, ev.expediente_id)
    caracter = exp.caracter if exp and exp.caracter else "RESERVADO"
    datos = {"referencia": ev.referencia, "caracter": caracter, "estado": "ANULADO"}
    await _guardar_copia(db, ev.expediente_id, ev, datos)
    await publicar(db, ev, redaccion.expediente_anulado(ev, exp), [], set())


async def pase_enviado(db: AsyncSession, ev: events.PaseEnviado) -> None:
    exp = await _copia(db, ev.expediente_id)
    organismos = {ev.organismo_destino_id} if ev.organismo_destino_id else set()
    mesas = [ev.mesa_origen_id, ev.mesa_destino_id]
    await publicar(db, ev, redaccion.pase_enviado(ev, exp), mesas, organismos)


async def pase_recibido(db: AsyncSession, ev: events.PaseRecibido) -> None:
    exp = await _copia(db, ev.expediente_id)
    mesas = [ev.mesa_origen_id, ev.mesa_destino_id]
    await publicar(db, ev, redaccion.pase_recibido(ev, exp), mesas, set())


async def pase_rechazado(db: AsyncSession, ev: events.PaseRechazado) -> None:
    exp = await _copia(db, ev.expediente_id)
    mesas = [ev.mesa_origen_id, ev.mesa_destino_id]
    await publicar(db, ev, redaccion.pase_rechazado(ev, exp), mesas, set())


async def pase_revertido(db: AsyncSession, ev: events.PaseRevertido) -> None:
    exp = await _copia(db, ev.expediente_id)
    mesas = [ev.mesa_origen_id, ev.mesa_destino_id]
    await publicar(db, ev, redaccion.pase_revertido(ev, exp), mesas, set())


def envelope_publico(interno: Envelope, publico: EventoPublico) -> Envelope:
    return Envelope(
        id=uuid.uuid5(ESPACIO, str(interno.id)),
        source=FUENTE,
        type=publico.event_type,
        subject=publico.subject(),
        time=interno.time,
        sequence=interno.sequence,
        data=publico.model_dump(mode="json"),
    )


async def _organismos(
    db: AsyncSession, expediente_id: uuid.UUID, mesas: list[uuid.UUID], propios: set[uuid.UUID]
) -> list[uuid.UUID]:
    """Record the organismos this event touches (its desks' and its own) and answer every one
    the expediente has touched so far."""
    if mesas:
        propios |= set(
            await db.scalars(select(MesaCopia.organismo_id).where(MesaCopia.id.in_(mesas)))
        )
    if propios:
        filas = [{"expediente_id": expediente_id, "organismo_id": o} for o in propios]
        await db.execute(insert(ExpedienteOrganismo).values(filas).on_conflict_do_nothing())
    tocados = await db.scalars(
        select(ExpedienteOrganismo.organismo_id).where(
            ExpedienteOrganismo.expediente_id == expediente_id
        )
    )
    return sorted(set(tocados))


async def publicar(
    db: AsyncSession,
    interno: Event,
    publico: EventoPublico,
    mesas: list[uuid.UUID],
    organismos: set[uuid.UUID],
) -> None:
    """Archive the public event (published on `sigexp.publico` after the commit) and queue it
    for the subscribers integraciones delivers to itself."""
    tocados = await _organismos(db, publico.expediente_id, mesas, set(organismos))
    env = envelope_publico(interno.envelope, publico)
    seq = await db.scalar(
        insert(EventoPublicado)
        .values(
            id=env.id,
            type=env.type,
            expediente_id=publico.expediente_id,
            organismos=tocados,
            time=env.time,
            envelope=env.model_dump(mode="json"),
        )
        .on_conflict_do_nothing(index_elements=["id"])
        .returning(EventoPublicado.seq)
    )
    if seq is None:
        return  # already public
    suscriptores = await db.scalars(
        select(Suscriptor).where(
            Suscriptor.activo,
            (Suscriptor.canal == Canal.WEBHOOK) | Suscriptor.solo_organismo,
        )
    )
    destinos = [
        s.id
        for s in suscriptores
        if claves.alguna(s.claves, env.type) and (not s.solo_organismo or s.organismo_id in tocados)
    ]
    if destinos:
        await db.execute(
            insert(Entrega).values(
                [
                    {
                        "suscriptor_id": d,
                        "evento_seq": seq,
                        "motivo": "VIVO",
                        "estado": "PENDIENTE",
                        "intentos": 0,
                    }
                    for d in destinos
                ]
            )
        )
