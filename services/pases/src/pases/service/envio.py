"""Envío: one or many expedientes to one desk, all or nothing, with one numbered remito."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from pases import catalogo, plazos
from pases.catalogo import Destino
from pases.copias import ExpedienteCopia
from pases.events import CustodiaActualizada, PaseEnviado, RemitoEmitido
from pases.models import NO_SE_ENVIAN, PENDIENTE, Pase, Remito, SerieRemito, Tenencia
from pases.schemas import EnvioIn
from pases.service import acompanantes
from sigexp_common import alcance, audit, outbox
from sigexp_common.envelope import Event, utcnow
from sigexp_common.errors import Conflicto, DatoInvalido
from sigexp_common.ids import uuid7
from sigexp_common.security import Usuario

ACCION = "pase.enviar"
NO_EXISTE = "no existe"
TODAVIA_NO = "todavía no figura en este servicio; intente de nuevo en un momento"


@dataclass(frozen=True)
class Rechazado:
    """An expediente of the envío that cannot go, why, and its refusal's audit record. One
    unknown here and a RESERVADO out of the sender's scope read the same (`alcance.desconocido`:
    "todavía no figura" while the id is young, then "no existe"), without their referencia."""

    expediente_id: uuid.UUID
    referencia: str | None
    motivo: str
    registro: Event
    reintentar: bool = False


class EnvioRechazado(Conflicto):
    """409: nothing was sent; `rechazados` names each expediente that could not go and why."""

    def __init__(self, rechazados: list[Rechazado]) -> None:
        lista = "; ".join(f"{r.referencia or r.expediente_id}: {r.motivo}" for r in rechazados)
        reintentar = any(r.reintentar for r in rechazados)
        super().__init__(
            f"No se envió ningún expediente. {lista}.",
            retry_after=alcance.ESPERA if reintentar else None,
        )
        self.rechazados = rechazados

    def extra(self) -> dict[str, Any]:
        return {
            "rechazados": [
                {
                    "expediente_id": str(r.expediente_id),
                    "referencia": r.referencia,
                    "motivo": r.motivo,
                }
                for r in self.rechazados
            ]
        }


async def enviar_pases(db: AsyncSession, datos: EnvioIn, por: Usuario) -> tuple[list[Pase], Remito]:
    """Send every expediente of `datos` from the user's desk, or none: custody of each is
    locked (two envíos of one expediente: the second sees it sent and is refused), each gets
    its pase, and the envío its remito with the desk's next number of the year. An expediente
    accumulated into one of them goes with it (a pase of its own naming the principal's, on
    the same remito); one accumulated into a file not sent is refused."""
    assert por.mesa_id is not None  # permisos.de_mesa
    destino = await _destino(db, datos, por)
    pedidos = datos.expediente_ids
    tenencias = await _bloquear(db, await acompanantes.con_acumulados(db, pedidos))
    juntos = await acompanantes.juntos(db, pedidos, set(tenencias))
    con_principal = [a for principal in pedidos for a in juntos.get(principal, [])]
    rechazados = [
        rechazo
        for expediente_id in dict.fromkeys([*pedidos, *con_principal])
        if (rechazo := _rechazo(por, expediente_id, *tenencias.get(expediente_id, (None, None))))
    ]
    vistos = {r.expediente_id for r in rechazados}
    for expediente_id, motivo in (await acompanantes.solos(db, pedidos, tenencias)).items():
        if expediente_id not in vistos:
            rechazados.append(_denegado(por, tenencias[expediente_id][0], motivo))
    if rechazados:
        raise _rechazar(db, por, rechazados)
    en = utcnow()
    vence_en = None
    if datos.plazo_dias_habiles is not None:
        vence_en = await plazos.vencimiento(db, en, datos.plazo_dias_habiles)
    cantidad = len(set(pedidos) | set(con_principal))
    remito = await _emitir_remito(db, destino, cantidad, por, en)
    pases: list[Pase] = []
    for expediente_id in pedidos:
        if expediente_id in con_principal:
            continue  # accumulated into another one sent: it goes with it, below
        principal = _enviar(
            db, datos, destino, tenencias[expediente_id][0], remito, por, en, vence_en
        )
        pases.append(principal)
        for acumulado_id in juntos.get(expediente_id, []):
            tenencia = tenencias[acumulado_id][0]
            pases.append(
                _enviar(db, datos, destino, tenencia, remito, por, en, vence_en, principal)
            )
    outbox.add(db, RemitoEmitido.de(remito, pases, por))
    await db.flush()
    return pases, remito


def _enviar(
    db: AsyncSession,
    datos: EnvioIn,
    destino: Destino,
    tenencia: Tenencia,
    remito: Remito,
    por: Usuario,
    en: datetime,
    vence_en: datetime | None,
    principal: Pase | None = None,
) -> Pase:
    """One expediente on its way: its pase, custody, events and audit record."""
    pase = _pase(datos, destino, tenencia, remito, por, en, vence_en, principal)
    tenencia.enviar(pase)
    db.add(pase)
    outbox.add(db, CustodiaActualizada.de(tenencia))
    outbox.add(db, PaseEnviado.de(pase, tenencia, por))
    detalle = {"remito_id": str(remito.id), "mesa_destino_id": str(pase.mesa_destino_id)}
    if principal is not None:
        detalle["pase_principal_id"] = str(principal.id)
    audit.registrar(
        db, por, ACCION, f"pase/{pase.id}", expediente_id=tenencia.expediente_id, detalle=detalle
    )
    return pase


async def _destino(db: AsyncSession, datos: EnvioIn, por: Usuario) -> Destino:
    assert por.mesa_id is not None
    try:
        return await catalogo.exigir_destino(
            db, datos.mesa_destino_id, datos.organismo_destino_id, datos.dependencia_id, por.mesa_id
        )
    except (DatoInvalido, Conflicto) as error:
        raise audit.denegar(error, por, ACCION, f"mesa/{datos.mesa_destino_id}") from None


async def _bloquear(
    db: AsyncSession, ids: list[uuid.UUID]
) -> dict[uuid.UUID, tuple[Tenencia, str | None]]:
    """Custody of each expediente, locked until the envío commits (always in the same order,
    so two envíos that share expedientes wait for each other instead of deadlocking), with the
    lifecycle state of the copy of its data."""
    rows = await db.execute(
        select(Tenencia, ExpedienteCopia.estado)
        .outerjoin(ExpedienteCopia, ExpedienteCopia.expediente_id == Tenencia.expediente_id)
        .where(Tenencia.expediente_id.in_(ids))
        .order_by(Tenencia.expediente_id)
        .with_for_update(of=Tenencia)
    )
    return {row.Tenencia.expediente_id: (row.Tenencia, row.estado) for row in rows}


def _rechazo(
    por: Usuario, expediente_id: uuid.UUID, tenencia: Tenencia | None, estado: str | None
) -> Rechazado | None:
    if tenencia is None or (
        tenencia.caracter == alcance.RESERVADO and not alcance.ve(por, tenencia.mesas)
    ):
        error = alcance.desconocido(por, ACCION, expediente_id)
        assert error.registro is not None
        if isinstance(error, Conflicto):
            return Rechazado(expediente_id, None, TODAVIA_NO, error.registro, reintentar=True)
        return Rechazado(expediente_id, None, NO_EXISTE, error.registro)
    motivo = NO_SE_ENVIAN.get(estado or "") or tenencia.impedimento_para_enviar(por.mesa_id)
    if motivo is None:
        return None
    return _denegado(por, tenencia, motivo)


def _denegado(por: Usuario, tenencia: Tenencia, motivo: str) -> Rechazado:
    """An expediente the user may see that cannot go, and its refusal's record."""
    expediente_id = tenencia.expediente_id
    rechazo = audit.denegar(
        Conflicto(motivo),
        por,
        ACCION,
        f"expediente/{expediente_id}",
        expediente_id=expediente_id,
        detalle={"razon": motivo},
    )
    assert rechazo.registro is not None
    return Rechazado(expediente_id, tenencia.referencia, motivo, rechazo.registro)


def _rechazar(db: AsyncSession, por: Usuario, rechazados: list[Rechazado]) -> EnvioRechazado:
    """The refusal of the whole envío: one record per refused expediente, and the envío's own
    (kept together: nothing else was written)."""
    for rechazado in rechazados:
        outbox.add(db, rechazado.registro)
    return audit.denegar(
        EnvioRechazado(rechazados),
        por,
        ACCION,
        "pases",
        detalle={"rechazados": len(rechazados)},
        conservar=True,
    )


async def _emitir_remito(
    db: AsyncSession, destino: Destino, cantidad: int, por: Usuario, en: datetime
) -> Remito:
    """The remito of the envío, with its desk's next number of the year: the series row stays
    locked until the envío commits, so concurrent envíos of one desk take consecutive numbers,
    and a rolled back one gives its number back (no gaps)."""
    assert por.mesa_id is not None
    numero = await db.scalar(
        insert(SerieRemito)
        .values(mesa_id=por.mesa_id, anio=en.year, ultimo=1)
        .on_conflict_do_update(
            index_elements=[SerieRemito.mesa_id, SerieRemito.anio],
            set_={"ultimo": SerieRemito.ultimo + 1},
        )
        .returning(SerieRemito.ultimo)
    )
    assert numero is not None
    remito = Remito(
        id=uuid7(),
        numero=numero,
        anio=en.year,
        mesa_origen_id=por.mesa_id,
        mesa_destino_id=destino.mesa.id,
        organismo_destino_id=destino.mesa.organismo_id,
        dependencia_id=destino.dependencia_id,
        codigo_verificacion=secrets.token_urlsafe(16),
        emitido_en=en,
        emitido_por_id=por.id,
        emitido_por=por.usuario,
        cantidad=cantidad,
    )
    db.add(remito)
    await db.flush()  # before its pases, which refer to it
    return remito


def _pase(
    datos: EnvioIn,
    destino: Destino,
    tenencia: Tenencia,
    remito: Remito,
    por: Usuario,
    en: datetime,
    vence_en: datetime | None,
    principal: Pase | None = None,
) -> Pase:
    """The pase of one expediente; an accumulated one's names its principal's pase and adds
    no fojas or tomos of its own (what the desk added went into the principal)."""
    assert por.mesa_id is not None
    fojas = datos.fojas_agregadas if principal is None else 0
    tomos = datos.tomos_agregados if principal is None else 0
    return Pase(
        id=uuid7(),
        expediente_id=tenencia.expediente_id,
        remito_id=remito.id,
        mesa_origen_id=por.mesa_id,
        mesa_destino_id=destino.mesa.id,
        organismo_destino_id=destino.mesa.organismo_id,
        dependencia_id=destino.dependencia_id,
        permiso=datos.permiso.value,
        fojas_agregadas=fojas,
        tomos_agregados=tomos,
        fojas_esperadas=tenencia.fojas + fojas,
        tomos_esperados=tenencia.tomos + tomos,
        observaciones=datos.observaciones,
        plazo_dias_habiles=datos.plazo_dias_habiles,
        vence_en=vence_en,
        estado=PENDIENTE,
        enviado_en=en,
        enviado_por_id=por.id,
        enviado_por=por.usuario,
        pase_principal_id=principal.id if principal is not None else None,
    )
