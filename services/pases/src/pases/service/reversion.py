"""Reversal of a pase sent by mistake: the sender asks, ADMIN approves (the pase stays in the
route as REVERTIDO and custody returns to the sender) or rejects."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from pases.events import CustodiaActualizada, PaseRevertido
from pases.models import PENDIENTE, RECIBIDO, Pase, SolicitudReversion, Tenencia
from pases.schemas import DecisionIn, EstadoSolicitud, SolicitudReversionIn
from pases.service import acompanantes
from pases.service.recepcion import bloquear
from sigexp_common import audit, outbox
from sigexp_common.envelope import utcnow
from sigexp_common.errors import Conflicto, NoEncontrado
from sigexp_common.ids import uuid7
from sigexp_common.security import Usuario

SOLICITAR, APROBAR, RECHAZAR = "reversion.solicitar", "reversion.aprobar", "reversion.rechazar"
LISTAR = "reversion.listar"


async def solicitar_reversion(
    db: AsyncSession, pase_id: uuid.UUID, datos: SolicitudReversionIn, por: Usuario
) -> SolicitudReversion:
    """The sending desk asks to revert its pase (any other desk: 404), while custody still
    comes from it and no other request for it is pending."""
    expediente_id = await db.scalar(
        select(Pase.expediente_id).where(Pase.id == pase_id, Pase.mesa_origen_id == por.mesa_id)
    )
    if expediente_id is None:
        raise audit.denegar(NoEncontrado("El pase no existe."), por, SOLICITAR, f"pase/{pase_id}")
    pase, tenencia = await bloquear(db, pase_id)
    try:
        if motivo := acompanantes.motivo_si_es_acompanante(pase, "revierte"):
            raise Conflicto(motivo)
        _exigir_revertible(pase, tenencia)
        if await db.scalar(_pendiente(pase_id)) is not None:
            raise Conflicto("Ya hay una solicitud de reversión pendiente para este pase.")
    except Conflicto as error:
        raise audit.denegar(
            error, por, SOLICITAR, f"pase/{pase_id}", expediente_id=expediente_id
        ) from None
    assert por.mesa_id is not None
    solicitud = SolicitudReversion(
        id=uuid7(),
        pase_id=pase_id,
        expediente_id=expediente_id,
        mesa_id=por.mesa_id,
        motivo=datos.motivo,
        estado=EstadoSolicitud.PENDIENTE.value,
        solicitada_en=utcnow(),
        solicitada_por_id=por.id,
        solicitada_por=por.usuario,
    )
    db.add(solicitud)
    audit.registrar(
        db,
        por,
        SOLICITAR,
        f"solicitud-reversion/{solicitud.id}",
        expediente_id=expediente_id,
        detalle={"pase_id": str(pase_id), "motivo": datos.motivo},
    )
    await db.flush()
    return solicitud


async def listar_solicitudes(
    db: AsyncSession, estado: EstadoSolicitud | None, limit: int, por: Usuario
) -> Sequence[SolicitudReversion]:
    """ADMIN's list, oldest first (the pending ones are a queue)."""
    consulta = select(SolicitudReversion).order_by(SolicitudReversion.solicitada_en).limit(limit)
    if estado is not None:
        consulta = consulta.where(SolicitudReversion.estado == estado.value)
    solicitudes = (await db.scalars(consulta)).all()
    await audit.lectura(
        db,
        por,
        LISTAR,
        "solicitudes-reversion",
        detalle={"estado": estado, "cantidad": len(solicitudes)},
    )
    return solicitudes


async def aprobar_solicitud(
    db: AsyncSession, solicitud_id: uuid.UUID, datos: DecisionIn, por: Usuario
) -> SolicitudReversion:
    """The pase becomes REVERTIDO and custody goes back to the sender (what a received pase
    added is taken off its expected fojas and tomos); so do the pases of the expedientes
    accumulated into it that travel with it, while their custody still comes from them."""
    solicitud, pase, tenencia = await _bloquear_solicitud(db, solicitud_id, por, APROBAR)
    en = utcnow()
    try:
        solicitud.decidir(EstadoSolicitud.APROBADA.value, en, por.id, por.usuario, datos.motivo)
        _exigir_revertible(pase, tenencia)
    except Conflicto as error:
        raise _denegar(error, por, APROBAR, solicitud) from None
    juntos = [
        (uno, suya)
        for uno, suya in await acompanantes.pases_de(db, pase)
        if uno.estado in (PENDIENTE, RECIBIDO) and suya.pase_id == uno.id
    ]
    for uno, suya in [(pase, tenencia), *juntos]:
        habia_sido_recibido = uno.revertir(en, por.usuario, solicitud.motivo)
        suya.devolver(uno, en, habia_sido_recibido=habia_sido_recibido)
        outbox.add(db, CustodiaActualizada.de(suya))
        outbox.add(
            db,
            PaseRevertido.de(
                uno,
                suya,
                por,
                solicitud_id=solicitud.id,
                habia_sido_recibido=habia_sido_recibido,
            ),
        )
        audit.registrar(
            db,
            por,
            APROBAR,
            f"solicitud-reversion/{solicitud.id}",
            expediente_id=uno.expediente_id,
            detalle={"pase_id": str(uno.id), "motivo": datos.motivo},
        )
    return solicitud


async def rechazar_solicitud(
    db: AsyncSession, solicitud_id: uuid.UUID, datos: DecisionIn, por: Usuario
) -> SolicitudReversion:
    solicitud, _, _ = await _bloquear_solicitud(db, solicitud_id, por, RECHAZAR)
    try:
        solicitud.decidir(
            EstadoSolicitud.RECHAZADA.value, utcnow(), por.id, por.usuario, datos.motivo
        )
    except Conflicto as error:
        raise _denegar(error, por, RECHAZAR, solicitud) from None
    audit.registrar(
        db,
        por,
        RECHAZAR,
        f"solicitud-reversion/{solicitud.id}",
        expediente_id=solicitud.expediente_id,
        detalle={"pase_id": str(solicitud.pase_id), "motivo": datos.motivo},
    )
    return solicitud


def _exigir_revertible(pase: Pase, tenencia: Tenencia) -> None:
    if pase.estado not in (PENDIENTE, RECIBIDO):
        raise Conflicto(f"El pase está {pase.estado.lower()}: no se puede revertir.")
    if tenencia.pase_id != pase.id:
        raise Conflicto(
            "El expediente ya siguió su recorrido después de este pase: no se puede revertir."
        )


def _pendiente(pase_id: uuid.UUID) -> Select[uuid.UUID]:
    return select(SolicitudReversion.id).where(
        SolicitudReversion.pase_id == pase_id,
        SolicitudReversion.estado == EstadoSolicitud.PENDIENTE.value,
    )


async def _bloquear_solicitud(
    db: AsyncSession, solicitud_id: uuid.UUID, por: Usuario, accion: str
) -> tuple[SolicitudReversion, Pase, Tenencia]:
    """The request, its pase and the expediente's custody, locked."""
    encontrada = await db.get(SolicitudReversion, solicitud_id)
    if encontrada is None:
        raise audit.denegar(
            NoEncontrado("La solicitud de reversión no existe."),
            por,
            accion,
            f"solicitud-reversion/{solicitud_id}",
        )
    pase, tenencia = await bloquear(db, encontrada.pase_id)
    solicitud = await db.scalar(
        select(SolicitudReversion)
        .where(SolicitudReversion.id == solicitud_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert solicitud is not None
    return solicitud, pase, tenencia


def _denegar(
    error: Conflicto, por: Usuario, accion: str, solicitud: SolicitudReversion
) -> Conflicto:
    return audit.denegar(
        error,
        por,
        accion,
        f"solicitud-reversion/{solicitud.id}",
        expediente_id=solicitud.expediente_id,
    )
