"""A subscriber's delivery log, replays from the archive and parked deliveries tried again."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from integraciones import claves
from integraciones.models import Entrega, EstadoEntrega, EventoPublicado, Intento
from integraciones.service.suscriptores import suscriptor
from sigexp_common import audit
from sigexp_common.envelope import utcnow
from sigexp_common.errors import CampoInvalido, Conflicto, DatoInvalido
from sigexp_common.security import Usuario

MAX_REENVIO = 100_000


async def registro(
    db: AsyncSession, suscriptor_id: uuid.UUID, por: Usuario, limite: int
) -> list[tuple[Entrega, EventoPublicado, list[Intento]]]:
    """The newest deliveries with every attempt of each."""
    s = await suscriptor(db, suscriptor_id, por, "suscriptor.entregas")
    filas = (
        await db.execute(
            select(Entrega, EventoPublicado)
            .join(EventoPublicado, EventoPublicado.seq == Entrega.evento_seq)
            .where(Entrega.suscriptor_id == s.id)
            .order_by(Entrega.seq.desc())
            .limit(limite)
        )
    ).all()
    seqs = [e.seq for e, _ in filas]
    intentos: dict[int, list[Intento]] = {seq: [] for seq in seqs}
    if seqs:
        for i in await db.scalars(
            select(Intento).where(Intento.entrega_seq.in_(seqs)).order_by(Intento.id)
        ):
            intentos[i.entrega_seq].append(i)
    await audit.lectura(db, por, "suscriptor.entregas", f"suscriptor/{s.id}")
    return [(e, ev, intentos[e.seq]) for e, ev in filas]


async def reenviar(
    db: AsyncSession,
    suscriptor_id: uuid.UUID,
    desde: datetime | None,
    desde_evento: uuid.UUID | None,
    por: Usuario,
) -> int:
    """Queue every archived event the subscriber would have received since `desde` (or after
    the event `desde_evento`), in the order they happened; the number queued."""
    s = await suscriptor(db, suscriptor_id, por, "suscriptor.reenviar")
    if not s.activo:
        raise Conflicto("El suscriptor está revocado.")
    if (desde is None) == (desde_evento is None):
        raise DatoInvalido(
            "Indique desde cuándo o desde qué evento reenviar.",
            [CampoInvalido("desde", "indique desde o desde_evento (uno de los dos)")],
        )
    consulta = select(EventoPublicado.seq, EventoPublicado.type, EventoPublicado.organismos)
    if desde_evento is not None:
        inicio = (
            await db.execute(
                select(EventoPublicado.time, EventoPublicado.seq).where(
                    EventoPublicado.id == desde_evento
                )
            )
        ).first()
        if inicio is None:
            raise DatoInvalido(
                "El evento indicado no está en el archivo.",
                [CampoInvalido("desde_evento", "no es un evento público conocido")],
            )
        consulta = consulta.where(
            tuple_(EventoPublicado.time, EventoPublicado.seq) > tuple_(inicio.time, inicio.seq)
        )
    else:
        consulta = consulta.where(EventoPublicado.time >= desde)
    # In the order they happened (the producers' time; the archive's order among equals).
    orden = (EventoPublicado.time, EventoPublicado.seq)
    filas = (await db.execute(consulta.order_by(*orden).limit(MAX_REENVIO))).all()
    elegidos = [
        seq
        for seq, tipo, organismos in filas
        if claves.alguna(s.claves, tipo) and (not s.solo_organismo or s.organismo_id in organismos)
    ]
    if elegidos:
        await db.execute(
            insert(Entrega).values(
                [
                    {
                        "suscriptor_id": s.id,
                        "evento_seq": seq,
                        "motivo": "REENVIO",
                        "estado": EstadoEntrega.PENDIENTE,
                        "intentos": 0,
                    }
                    for seq in elegidos
                ]
            )
        )
    s.proximo_intento_en = utcnow()
    audit.registrar(
        db,
        por,
        "suscriptor.reenviar",
        f"suscriptor/{s.id}",
        detalle={
            "desde": desde.isoformat() if desde else None,
            "desde_evento": str(desde_evento) if desde_evento else None,
            "eventos": len(elegidos),
        },
    )
    return len(elegidos)


async def reintentar_aparcadas(db: AsyncSession, suscriptor_id: uuid.UUID, por: Usuario) -> int:
    """Parked deliveries get a fresh term, due now (in their original order)."""
    s = await suscriptor(db, suscriptor_id, por, "suscriptor.reintentar")
    if not s.activo:
        raise Conflicto("El suscriptor está revocado.")
    resultado = await db.execute(
        update(Entrega)
        .where(Entrega.suscriptor_id == s.id, Entrega.estado == EstadoEntrega.APARCADA)
        .values(estado=EstadoEntrega.PENDIENTE, creada_en=utcnow())
    )
    s.proximo_intento_en = utcnow()
    cuantas = int(getattr(resultado, "rowcount", 0))
    audit.registrar(
        db, por, "suscriptor.reintentar", f"suscriptor/{s.id}", detalle={"entregas": cuantas}
    )
    return cuantas
