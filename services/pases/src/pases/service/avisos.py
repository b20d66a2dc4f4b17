"""Arrival notices by e-mail: a desk opts in (`PUT /api/v1/mesa/avisos`) and then gets one
message per remito that is sent to it, queued by the consumer of `sigexp.remito.emitido.v1`
and sent by the mail sender (`pases.mail`) after that transaction commits."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from pases.copias import Mesa
from pases.events import RemitoEmitido
from pases.models import Pase, Tenencia
from pases.models_mesa import AvisoMesa, CorreoPendiente
from pases.plazos import ZONA
from pases.schemas_mesa import AvisosIn, AvisosOut
from sigexp_common import audit
from sigexp_common.envelope import utcnow
from sigexp_common.errors import SinPermiso
from sigexp_common.security import Perfil, Usuario

MAXIMO_LISTADO = 50  # referencias written in one message; the rest are counted


def _mesa_del_usuario(por: Usuario, accion: str) -> uuid.UUID:
    if por.mesa_id is None:
        raise audit.denegar(SinPermiso("Su usuario no pertenece a una mesa."), por, accion)
    return por.mesa_id


async def ver(db: AsyncSession, por: Usuario) -> AvisosOut:
    """The desk's notice settings (whose address gets its arrivals): a read on the record."""
    accion = "mesa.avisos_ver"
    mesa_id = _mesa_del_usuario(por, accion)
    aviso = await db.get(AvisoMesa, mesa_id)
    await audit.lectura(db, por, accion, f"mesa/{mesa_id}")
    if aviso is None:
        return AvisosOut(mesa_id=mesa_id, correo=None, activo=False, actualizado_en=None)
    return AvisosOut(
        mesa_id=aviso.mesa_id,
        correo=aviso.correo,
        activo=aviso.activo,
        actualizado_en=aviso.actualizado_en,
    )


async def cambiar(db: AsyncSession, por: Usuario, datos: AvisosIn) -> AvisosOut:
    """The desk's address for arrival notices, and whether it wants them: the desk's clerks
    (MESA_ENTRADA, OFICINA) decide it for their own desk."""
    accion = "mesa.avisos_cambiar"
    mesa_id = _mesa_del_usuario(por, accion)
    if por.perfil not in (Perfil.MESA_ENTRADA, Perfil.OFICINA):
        raise audit.denegar(
            SinPermiso("Solo la mesa de entradas o la oficina decide sus avisos."), por, accion
        )
    ahora = utcnow()
    valores = {
        "correo": datos.correo,
        "activo": datos.activo,
        "actualizado_en": ahora,
        "actualizado_por": por.usuario,
    }
    await db.execute(
        insert(AvisoMesa)
        .values(mesa_id=mesa_id, **valores)
        .on_conflict_do_update(index_elements=["mesa_id"], set_=valores)
    )
    audit.registrar(db, por, accion, f"mesa/{mesa_id}", detalle={"activo": datos.activo})
    return AvisosOut(
        mesa_id=mesa_id, correo=datos.correo, activo=datos.activo, actualizado_en=ahora
    )


async def registrar_remito_emitido(db: AsyncSession, evento: RemitoEmitido) -> None:
    """Queue the arrival notice of a remito for its destination, if that desk wants them
    (one per remito: a repeated delivery queues nothing more)."""
    aviso = await db.get(AvisoMesa, evento.mesa_destino_id)
    if aviso is None or not aviso.activo:
        return
    origen = await db.get(Mesa, evento.mesa_origen_id)
    referencias = (
        await db.scalars(
            select(Tenencia.referencia)
            .join(Pase, Pase.expediente_id == Tenencia.expediente_id)
            .where(Pase.remito_id == evento.remito_id)
            .order_by(Tenencia.referencia)
            .limit(MAXIMO_LISTADO)
        )
    ).all()
    cantidad = len(evento.pase_ids)
    lineas = [f"  - {r}" for r in referencias]
    if cantidad > len(referencias):
        lineas.append(f"  ... y {cantidad - len(referencias)} más")
    enviado = evento.en.astimezone(ZONA).strftime("%d/%m/%Y %H:%M")
    cuerpo = "\n".join(
        [
            f"La mesa {origen.nombre if origen else evento.mesa_origen_id} envió a su mesa el "
            f"remito N.º {evento.numero}/{evento.anio} ({enviado}, por {evento.por_usuario}) "
            f"con {cantidad} expediente(s):",
            "",
            *lineas,
            "",
            "Recíbalos en SIGEXP («Expedientes en mesa») cuando lleguen en papel.",
            "Para dejar de recibir estos avisos, desactívelos en la configuración de su mesa.",
        ]
    )
    await db.execute(
        insert(CorreoPendiente)
        .values(
            remito_id=evento.remito_id,
            para=aviso.correo,
            asunto=f"SIGEXP: remito N.º {evento.numero}/{evento.anio} en camino a su mesa",
            cuerpo=cuerpo,
        )
        .on_conflict_do_nothing(index_elements=["remito_id"])
    )
