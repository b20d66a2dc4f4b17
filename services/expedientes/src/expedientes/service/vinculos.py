"""Links between expedientes ("ver también"): the desk holding one links it to another it may
see, with a reason; the link shows on both details (a RESERVADO file only within the viewer's
scope, `service/conexos.py`); unlinking keeps the row and is recorded on both timelines."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from expedientes.events_acciones import Actor
from expedientes.events_conexos import ExpedienteDesvinculado, ExpedienteVinculado
from expedientes.models import Expediente, ExpedienteLeido
from expedientes.models_conexos import Vinculo
from expedientes.schemas_conexos import VinculoIn
from expedientes.service import acceso, conexos, historial
from sigexp_common import alcance, audit, outbox
from sigexp_common.envelope import utcnow
from sigexp_common.errors import CampoInvalido, Conflicto, DatoInvalido, NoEncontrado
from sigexp_common.ids import uuid7
from sigexp_common.security import Usuario

VINCULAR, DESVINCULAR, LISTAR = "expediente.vincular", "expediente.desvincular", "vinculo.listar"
QUE_VINCULAR, QUE_DESVINCULAR = "vincularlo", "desvincularlo"


async def vincular(
    db: AsyncSession, expediente_id: uuid.UUID, datos: VinculoIn, por: Usuario
) -> dict[str, Any]:
    """The desk holding `expediente_id` (received; LECTURA is enough: a link changes neither
    file) links it to `datos.expediente_id`, which it must be able to see."""
    if datos.expediente_id == expediente_id:
        raise DatoInvalido(
            "Un expediente no se vincula consigo mismo.",
            [CampoInvalido("expediente_id", "Indique otro expediente.")],
        )
    await _bloquear_ambos(db, expediente_id, datos.expediente_id)
    propio = await acceso.expediente_para(
        db, expediente_id, por, VINCULAR, QUE_VINCULAR, para_actuar=True
    )
    acceso.exigir_perfil(por, VINCULAR, propio.id)
    acceso.exigir_tenencia(por, propio, VINCULAR, QUE_VINCULAR, escritura=False)
    otro = await acceso.expediente_para(db, datos.expediente_id, por, VINCULAR)
    if await db.scalar(_activo_entre(propio.id, otro.id)) is not None:
        raise acceso.denegar(
            Conflicto(f"El expediente ya está vinculado con {otro.referencia}."),
            por,
            VINCULAR,
            propio.id,
        )
    assert por.mesa_id is not None  # exigir_tenencia: the user's desk holds it
    vinculo = Vinculo(
        id=uuid7(),
        expediente_id=propio.id,
        vinculado_id=otro.id,
        motivo=datos.motivo,
        creado_en=utcnow(),
        por_usuario_id=por.id,
        por_usuario=por.usuario,
        por_mesa_id=por.mesa_id,
    )
    db.add(vinculo)
    for este, aquel in ((propio, otro), (otro, propio)):
        detalle = {"vinculo_id": str(vinculo.id), "expediente": _ref(aquel), "motivo": datos.motivo}
        historial.anotar(db, este.id, "expediente.vinculado", por, detalle, vinculo.creado_en)
    outbox.add(
        db,
        ExpedienteVinculado(
            **Actor.de(por),
            vinculo_id=vinculo.id,
            expediente_id=propio.id,
            referencia=propio.referencia,
            vinculado_id=otro.id,
            vinculado_referencia=otro.referencia,
            motivo=datos.motivo,
        ),
    )
    audit.registrar(
        db,
        por,
        VINCULAR,
        f"vinculo/{vinculo.id}",
        expediente_id=propio.id,
        detalle={"vinculado_id": str(otro.id), "motivo": datos.motivo},
    )
    await db.flush()
    return _salida(vinculo, otro, por)


async def desvincular(
    db: AsyncSession,
    expediente_id: uuid.UUID,
    vinculo_id: uuid.UUID,
    motivo: str | None,
    por: Usuario,
) -> None:
    """The desk holding either end undoes the link (kept as undone, on both timelines)."""
    vinculo = await db.scalar(
        select(Vinculo)
        .where(
            Vinculo.id == vinculo_id,
            or_(Vinculo.expediente_id == expediente_id, Vinculo.vinculado_id == expediente_id),
        )
        .with_for_update()
    )
    propio = await acceso.expediente_para(
        db, expediente_id, por, DESVINCULAR, QUE_DESVINCULAR, para_actuar=True
    )
    if vinculo is None:
        raise acceso.denegar(NoEncontrado("El vínculo no existe."), por, DESVINCULAR, propio.id)
    acceso.exigir_perfil(por, DESVINCULAR, propio.id)
    acceso.exigir_tenencia(por, propio, DESVINCULAR, QUE_DESVINCULAR, escritura=False)
    if vinculo.eliminado_en is not None:
        raise acceso.denegar(Conflicto("El vínculo ya fue eliminado."), por, DESVINCULAR, propio.id)
    otro_id = vinculo.vinculado_id if vinculo.expediente_id == propio.id else vinculo.expediente_id
    otro = await db.get(Expediente, otro_id)
    assert otro is not None  # a link joins two existing expedientes
    vinculo.eliminado_en, vinculo.eliminado_por_id = utcnow(), por.id
    vinculo.eliminado_por, vinculo.eliminado_motivo = por.usuario, motivo
    for este, aquel in ((propio, otro), (otro, propio)):
        detalle = {"vinculo_id": str(vinculo.id), "expediente": _ref(aquel), "motivo": motivo}
        historial.anotar(db, este.id, "expediente.desvinculado", por, detalle, vinculo.eliminado_en)
    outbox.add(
        db,
        ExpedienteDesvinculado(
            **Actor.de(por),
            vinculo_id=vinculo.id,
            expediente_id=propio.id,
            vinculado_id=otro.id,
            motivo=motivo,
        ),
    )
    audit.registrar(
        db,
        por,
        DESVINCULAR,
        f"vinculo/{vinculo.id}",
        expediente_id=propio.id,
        detalle={"vinculado_id": str(otro.id), "motivo": motivo},
    )


async def listar_vinculos(
    db: AsyncSession, expediente_id: uuid.UUID, por: Usuario
) -> list[dict[str, Any]]:
    """The active links of an expediente the user may see (the detail's rule), oldest first;
    a RESERVADO file out of the user's scope is left out."""
    expediente = await acceso.expediente_para(db, expediente_id, por, LISTAR)
    items = await db.scalar(
        select(conexos.vinculos_de(Expediente.id)).where(Expediente.id == expediente.id),
        alcance.parametros(por),
    )
    await audit.lectura(db, por, LISTAR, f"expediente/{expediente.id}", expediente_id=expediente.id)
    return list(items or [])


async def _bloquear_ambos(db: AsyncSession, a: uuid.UUID, b: uuid.UUID) -> None:
    """Both rows locked in id order, so two links of the same pair (either way round) take
    turns instead of deadlocking, and the second one sees the first."""
    await db.execute(
        select(Expediente.id)
        .where(Expediente.id.in_((a, b)))
        .order_by(Expediente.id)
        .with_for_update(of=Expediente)
    )


def _activo_entre(a: uuid.UUID, b: uuid.UUID):  # type: ignore[no-untyped-def]
    return select(Vinculo.id).where(
        Vinculo.eliminado_en.is_(None),
        or_(
            (Vinculo.expediente_id == a) & (Vinculo.vinculado_id == b),
            (Vinculo.expediente_id == b) & (Vinculo.vinculado_id == a),
        ),
    )


def _ref(expediente: Expediente) -> dict[str, str]:
    return {"id": str(expediente.id), "referencia": expediente.referencia}


def _salida(vinculo: Vinculo, otro: Expediente | ExpedienteLeido, por: Usuario) -> dict[str, Any]:
    return {
        "id": vinculo.id,
        "expediente": {
            "id": otro.id,
            "referencia": otro.referencia,
            "extracto": otro.extracto,
            "estado": otro.estado,
            "caracter": otro.caracter,
        },
        "motivo": vinculo.motivo,
        "creado_en": vinculo.creado_en,
        "por_usuario": vinculo.por_usuario,
        "por_mesa": {"id": vinculo.por_mesa_id, "nombre": None},
    }
