"""Acumulación (tramitación conjunta): the desk holding two expedientes accumulates one into the
other (the principal); from then on it travels with the principal — an envío of the principal
sends it too, on the same remito; its reception, rejection and reversal follow the principal's
— and it cannot be sent alone. A desglose, at the desk holding the principal, ends it.

Custody stays each file's own (`Tenencia`, its own version and events); the accumulated one
names its principal in `acumulado_en_id`. Every use case here locks both custodies in
expediente order (the order every envío and reception locks in), so concurrent envíos,
receptions, accumulations and desgloses of the same files take turns."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, select
from sqlalchemy.ext.asyncio import AsyncSession

from pases.copias import ExpedienteCopia
from pases.events import CustodiaActualizada, ExpedienteAcumulado, ExpedienteDesglosado
from pases.models import ESCRITURA, NO_SE_ENVIAN, Tenencia
from pases.models_acumulacion import Acumulacion
from pases.schemas_acumulacion import AcumulacionIn, DesgloseIn
from pases.service import acompanantes
from sigexp_common import alcance, audit, outbox
from sigexp_common.envelope import utcnow
from sigexp_common.errors import CampoInvalido, Conflicto, DatoInvalido, NoEncontrado
from sigexp_common.ids import uuid7
from sigexp_common.security import Usuario

ACUMULAR, DESGLOSAR, VER = (
    "expediente.acumular",
    "expediente.desglosar",
    "expediente.ver_acumulados",
)


@dataclass(frozen=True)
class Par:
    """The principal's and the accumulated file's custody, locked, with their lifecycle."""

    principal: Tenencia
    acumulado: Tenencia
    estados: dict[uuid.UUID, str | None]


async def acumular(
    db: AsyncSession, principal_id: uuid.UUID, datos: AcumulacionIn, por: Usuario
) -> Acumulacion:
    if datos.expediente_id == principal_id:
        raise DatoInvalido(
            "Un expediente no se acumula a sí mismo.",
            [CampoInvalido("expediente_id", "Indique otro expediente.")],
        )
    par = await _bloquear_par(db, principal_id, datos.expediente_id, por, ACUMULAR)
    principal, acumulado = par.principal, par.acumulado
    for tenencia in (principal, acumulado):
        _exigir_en_mano(tenencia, par.estados, por, ACUMULAR, "acumularlo")
    motivo = None
    if acumulado.acumulado_en_id is not None:
        motivo = f"El expediente {acumulado.referencia} ya está acumulado a otro."
    elif principal.acumulado_en_id is not None:
        motivo = (
            f"El expediente {principal.referencia} está acumulado a otro: acumule en ese, "
            "que es el principal."
        )
    elif await db.scalar(acompanantes.acumulados_de(acumulado.expediente_id).limit(1)):
        motivo = (
            f"El expediente {acumulado.referencia} tiene expedientes acumulados: desglóselos "
            "antes de acumularlo."
        )
    if motivo is not None:
        raise _denegar(Conflicto(motivo), por, ACUMULAR, principal.expediente_id)
    assert por.mesa_id is not None  # _exigir_en_mano: the user's desk holds both
    en = utcnow()
    acumulacion = Acumulacion(
        id=uuid7(),
        principal_id=principal.expediente_id,
        acumulado_id=acumulado.expediente_id,
        motivo=datos.motivo,
        en=en,
        por_usuario_id=por.id,
        por_usuario=por.usuario,
        mesa_id=por.mesa_id,
    )
    db.add(acumulacion)
    acumulado.acumular(principal)
    outbox.add(db, CustodiaActualizada.de(acumulado))
    outbox.add(
        db, ExpedienteAcumulado.de(acumulacion.id, acumulado, principal, datos.motivo, por, en)
    )
    _registrar(db, por, ACUMULAR, acumulacion, {"motivo": datos.motivo})
    await db.flush()
    return acumulacion


async def desglosar(
    db: AsyncSession,
    principal_id: uuid.UUID,
    acumulado_id: uuid.UUID,
    datos: DesgloseIn,
    por: Usuario,
) -> Acumulacion:
    """At the desk holding the principal (received, ESCRITURA): the accumulated file moves on
    its own again from there."""
    par = await _bloquear_par(db, principal_id, acumulado_id, por, DESGLOSAR)
    acumulacion = await db.scalar(
        select(Acumulacion).where(
            Acumulacion.principal_id == principal_id,
            Acumulacion.acumulado_id == acumulado_id,
            Acumulacion.desglosado_en.is_(None),
        )
    )
    if acumulacion is None:
        raise _denegar(
            NoEncontrado("Ese expediente no está acumulado a este."), por, DESGLOSAR, principal_id
        )
    _exigir_en_mano(par.principal, par.estados, por, DESGLOSAR, "desglosar sus acumulados")
    en = utcnow()
    acumulacion.desglosado_en, acumulacion.desglosado_por_id = en, por.id
    acumulacion.desglosado_por, acumulacion.motivo_desglose = por.usuario, datos.motivo
    par.acumulado.desglosar()
    outbox.add(db, CustodiaActualizada.de(par.acumulado))
    outbox.add(
        db,
        ExpedienteDesglosado.de(
            acumulacion.id, par.acumulado, par.principal, datos.motivo, por, en
        ),
    )
    _registrar(db, por, DESGLOSAR, acumulacion, {"motivo": datos.motivo})
    return acumulacion


@dataclass(frozen=True)
class Vista:
    """An accumulation as a listing shows it, with the other file."""

    acumulacion: Acumulacion
    otro: Tenencia
    extracto: str | None


async def ver_acumulados(
    db: AsyncSession, expediente_id: uuid.UUID, por: Usuario
) -> tuple[Vista | None, list[Vista]]:
    """The file this one is accumulated into and those accumulated into it now (the route's
    scope rule); a RESERVADO file out of the user's scope is left out."""
    tenencia = await db.get(Tenencia, expediente_id)
    if tenencia is None:
        raise alcance.desconocido(por, VER, expediente_id)
    if not alcance.ve(por, tenencia.mesas):
        raise alcance.rechazo(por, tenencia.caracter, VER, expediente_id, copia=True)
    filas = await db.execute(
        select(Acumulacion, Tenencia, ExpedienteCopia.extracto)
        .join(
            Tenencia,
            Tenencia.expediente_id
            == _otro(Acumulacion.principal_id, Acumulacion.acumulado_id, expediente_id),
        )
        .outerjoin(ExpedienteCopia, ExpedienteCopia.expediente_id == Tenencia.expediente_id)
        .where(
            (Acumulacion.principal_id == expediente_id)
            | (Acumulacion.acumulado_id == expediente_id),
            Acumulacion.desglosado_en.is_(None),
        )
        .order_by(Acumulacion.en)
    )
    principal, items = None, []
    for acumulacion, otro, extracto in filas.tuples():
        if otro.caracter == alcance.RESERVADO and not alcance.ve(por, otro.mesas):
            continue
        vista = Vista(acumulacion, otro, extracto)
        if acumulacion.acumulado_id == expediente_id:
            principal = vista
        else:
            items.append(vista)
    await audit.lectura(db, por, VER, f"expediente/{expediente_id}", expediente_id=expediente_id)
    return principal, items


def _otro(principal: Any, acumulado: Any, expediente_id: uuid.UUID) -> ColumnElement[Any]:
    return case((principal == expediente_id, acumulado), else_=principal)


async def _bloquear_par(
    db: AsyncSession, principal_id: uuid.UUID, acumulado_id: uuid.UUID, por: Usuario, accion: str
) -> Par:
    """Both custodies locked in expediente order, with their lifecycle; one unknown here or a
    RESERVADO out of the user's scope answers as a missing one (as the envío does)."""
    filas = await db.execute(
        select(Tenencia, ExpedienteCopia.estado)
        .outerjoin(ExpedienteCopia, ExpedienteCopia.expediente_id == Tenencia.expediente_id)
        .where(Tenencia.expediente_id.in_((principal_id, acumulado_id)))
        .order_by(Tenencia.expediente_id)
        .with_for_update(of=Tenencia)
        .execution_options(populate_existing=True)
    )
    tenencias: dict[uuid.UUID, Tenencia] = {}
    estados: dict[uuid.UUID, str | None] = {}
    for fila, estado in filas.tuples():
        tenencias[fila.expediente_id] = fila
        estados[fila.expediente_id] = estado
    for expediente_id in (principal_id, acumulado_id):
        tenencia = tenencias.get(expediente_id)
        if tenencia is None or (
            tenencia.caracter == alcance.RESERVADO and not alcance.ve(por, tenencia.mesas)
        ):
            raise alcance.desconocido(por, accion, expediente_id)
    return Par(tenencias[principal_id], tenencias[acumulado_id], estados)


def _exigir_en_mano(
    tenencia: Tenencia,
    estados: dict[uuid.UUID, str | None],
    por: Usuario,
    accion: str,
    que: str,
) -> None:
    """The user's desk holds it, received, with ESCRITURA, and it is neither ANULADO nor
    ARCHIVADO; otherwise 409 naming the file and the rule."""
    motivo = NO_SE_ENVIAN.get(estados.get(tenencia.expediente_id) or "")
    motivo = motivo or tenencia.impedimento_para_enviar(por.mesa_id)
    if motivo is None and tenencia.permiso != ESCRITURA:
        motivo = f"está en su mesa con permiso de LECTURA: no puede {que}"
    if motivo is not None:
        error = Conflicto(f"El expediente {tenencia.referencia} {motivo}.")
        raise _denegar(error, por, accion, tenencia.expediente_id)


def _denegar(
    error: Conflicto | NoEncontrado, por: Usuario, accion: str, expediente_id: uuid.UUID
) -> Conflicto | NoEncontrado:
    return audit.denegar(
        error,
        por,
        accion,
        f"expediente/{expediente_id}",
        expediente_id=expediente_id,
        detalle={"regla": error.detail},
    )


def _registrar(
    db: AsyncSession, por: Usuario, accion: str, a: Acumulacion, detalle: dict[str, object]
) -> None:
    """One record on each file's audit trail."""
    for expediente_id in (a.principal_id, a.acumulado_id):
        audit.registrar(
            db,
            por,
            accion,
            f"acumulacion/{a.id}",
            expediente_id=expediente_id,
            detalle={
                "principal_id": str(a.principal_id),
                "acumulado_id": str(a.acumulado_id),
                **detalle,
            },
        )
