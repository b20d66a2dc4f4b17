"""The desk's inbox, "expedientes en mesa": what is on its way to the user's desk and what
arrived there in the last days, oldest first, with plazo and overdue flag."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from pases.copias import ExpedienteCopia, Mesa
from pases.models import PENDIENTE, RECIBIDO, Pase, Tenencia
from pases.schemas_mesa import EnMesaItem, ExpedienteResumen, MesaRef, PaseEnMesa
from sigexp_common import alcance, audit
from sigexp_common.envelope import utcnow
from sigexp_common.errors import DatoInvalido, SinPermiso
from sigexp_common.security import Usuario

MAXIMO = 1000  # rows of one answer (a desk with more on its way has another problem)


def mesa_de(por: Usuario, mesa_id: uuid.UUID | None, accion: str) -> uuid.UUID:
    """The desk a desk-level read is about: the user's own; AUTORIDAD and ADMIN name one.
    A desk user naming another desk is refused (recorded)."""
    if por.ve_todo:
        if mesa_id is None:
            raise DatoInvalido("Indique la mesa (mesa_id).")
        return mesa_id
    if por.mesa_id is None:
        raise audit.denegar(SinPermiso("Su usuario no pertenece a una mesa."), por, accion)
    if mesa_id is not None and mesa_id != por.mesa_id:
        raise audit.denegar(
            SinPermiso("Solo puede consultar su propia mesa."), por, accion, f"mesa/{mesa_id}"
        )
    return por.mesa_id


def vencido(pase: Pase, ahora: datetime) -> bool:
    """Overdue: its plazo has ended and it has not been received."""
    return pase.estado == PENDIENTE and pase.vence_en is not None and ahora > pase.vence_en


def resumen(
    expediente_id: uuid.UUID, copia: ExpedienteCopia | None, tenencia: Tenencia, por: Usuario
) -> ExpedienteResumen:
    """The expediente's summary from pases' copy; a RESERVADO extract only within scope."""
    caracter = (copia.caracter if copia else None) or tenencia.caracter
    extracto = copia.extracto if copia else None
    if caracter == alcance.RESERVADO and not alcance.ve(por, tenencia.mesas):
        extracto = None
    return ExpedienteResumen(
        id=expediente_id,
        referencia=(copia.referencia if copia else None) or tenencia.referencia,
        extracto=extracto,
        tipo=copia.tipo if copia else None,
        caracter=caracter,
        estado=copia.estado if copia else None,
        fojas=copia.fojas if copia and copia.fojas is not None else tenencia.fojas,
        tomos=copia.tomos if copia and copia.tomos is not None else tenencia.tomos,
    )


async def en_mesa(
    db: AsyncSession, por: Usuario, mesa_id: uuid.UUID | None, dias: int
) -> tuple[uuid.UUID, list[EnMesaItem]]:
    accion = "mesa.en_mesa"
    mesa = mesa_de(por, mesa_id, accion)
    ahora = utcnow()
    origen = aliased(Mesa)
    filas = await db.execute(
        select(Pase, Tenencia, ExpedienteCopia, origen.nombre)
        .join(Tenencia, Tenencia.expediente_id == Pase.expediente_id)
        .outerjoin(ExpedienteCopia, ExpedienteCopia.expediente_id == Pase.expediente_id)
        .outerjoin(origen, origen.id == Pase.mesa_origen_id)
        .where(
            Pase.mesa_destino_id == mesa,
            or_(
                Pase.estado == PENDIENTE,
                and_(Pase.estado == RECIBIDO, Pase.recibido_en >= ahora - timedelta(days=dias)),
            ),
        )
        .order_by(Pase.enviado_en, Pase.id)
        .limit(MAXIMO)
    )
    items = [
        EnMesaItem(
            pase=PaseEnMesa(
                id=pase.id,
                estado=pase.estado,
                permiso=pase.permiso,
                remito_id=pase.remito_id,
                fojas_agregadas=pase.fojas_agregadas,
                tomos_agregados=pase.tomos_agregados,
                observaciones=pase.observaciones,
                recibido_en=pase.recibido_en,
                pase_principal_id=pase.pase_principal_id,
            ),
            expediente=resumen(pase.expediente_id, copia, tenencia, por),
            origen=MesaRef(id=pase.mesa_origen_id, nombre=nombre_origen),
            enviado_en=pase.enviado_en,
            tiempo_en_mesa=max(
                int((ahora - (pase.recibido_en or pase.enviado_en)).total_seconds()), 0
            ),
            plazo=pase.plazo_dias_habiles,
            vence_en=pase.vence_en,
            vencido=vencido(pase, ahora),
            discrepancia=pase.discrepancia,
        )
        for pase, tenencia, copia, nombre_origen in filas.tuples()
    ]
    await audit.lectura(db, por, accion, f"mesa/{mesa}", detalle={"items": len(items)})
    return mesa, items
