"""Internal annotations: added by the holding desk's MESA_ENTRADA or OFICINA users, seen only
by users of the author's organismo (whatever their profile: AUTORIDAD and ADMIN of another
organismo do not see them either), deleted only by the author's desk and kept as deleted."""

from __future__ import annotations

import uuid

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from expedientes.events_acciones import Actor, AnotacionAgregada, AnotacionEliminada
from expedientes.models import Ciclo
from expedientes.models_acciones import Anotacion
from expedientes.schemas import AnotacionIn
from expedientes.service import acceso, historial
from sigexp_common import audit, outbox
from sigexp_common.envelope import utcnow
from sigexp_common.errors import Conflicto, NoEncontrado, SinPermiso
from sigexp_common.ids import uuid7
from sigexp_common.security import Usuario


async def agregar_anotacion(
    db: AsyncSession, expediente_id: uuid.UUID, datos: AnotacionIn, por: Usuario
) -> Anotacion:
    accion, que = "anotacion.agregar", "agregarle anotaciones"
    expediente = await acceso.expediente_para(db, expediente_id, por, accion, que, para_actuar=True)
    acceso.exigir_perfil(por, accion, expediente.id)
    # A note changes nothing of the file: holding it with LECTURA is enough.
    acceso.exigir_tenencia(por, expediente, accion, que, escritura=False)
    assert por.mesa_id is not None  # exigir_tenencia: the user's desk holds it
    anotacion = Anotacion(
        id=uuid7(),
        expediente_id=expediente.id,
        texto=datos.texto,
        organismo_id=por.organismo_id,
        mesa_id=por.mesa_id,
        autor_id=por.id,
        autor=por.usuario,
        creado_en=utcnow(),
    )
    db.add(anotacion)
    detalle = {"anotacion_id": str(anotacion.id)}  # never the text: the timeline is wider
    historial.anotar(db, expediente.id, "anotacion.agregada", por, detalle, anotacion.creado_en)
    outbox.add(
        db,
        AnotacionAgregada(
            **Actor.de(por),
            anotacion_id=anotacion.id,
            expediente_id=expediente.id,
            organismo_id=anotacion.organismo_id,
            mesa_id=anotacion.mesa_id,
            texto=anotacion.texto,
        ),
    )
    audit.registrar(db, por, accion, f"anotacion/{anotacion.id}", expediente_id=expediente.id)
    return anotacion


# Built once: the id and the reader's organismo are bound parameters.
_DEL_ORGANISMO = (
    select(Anotacion)
    .where(
        Anotacion.expediente_id == bindparam("expediente_id"),
        Anotacion.organismo_id == bindparam("organismo_id"),
    )
    .order_by(Anotacion.creado_en, Anotacion.id)
)


async def anotaciones_de(
    db: AsyncSession, expediente_id: uuid.UUID, por: Usuario
) -> list[Anotacion]:
    """The notes of an expediente `por` may read: those of its organismo (none without one),
    oldest first (not recorded here)."""
    if por.organismo_id is None:
        return []
    parametros = {"expediente_id": expediente_id, "organismo_id": por.organismo_id}
    return list(await db.scalars(_DEL_ORGANISMO, parametros))


async def listar_anotaciones(
    db: AsyncSession, expediente_id: uuid.UUID, por: Usuario
) -> list[Anotacion]:
    """Oldest first; only those written inside the user's organismo (none without one)."""
    accion = "anotacion.listar"
    expediente = await acceso.expediente_para(db, expediente_id, por, accion)
    anotaciones = await anotaciones_de(db, expediente.id, por)
    await audit.lectura(
        db,
        por,
        accion,
        f"expediente/{expediente.id}/anotaciones",
        expediente_id=expediente.id,
        detalle={"resultados": len(anotaciones)},
    )
    return anotaciones


async def eliminar_anotacion(
    db: AsyncSession, expediente_id: uuid.UUID, anotacion_id: uuid.UUID, por: Usuario
) -> None:
    accion = "anotacion.eliminar"
    expediente = await acceso.expediente_para(db, expediente_id, por, accion, "eliminarla")
    anotacion = await db.scalar(
        select(Anotacion)
        .where(Anotacion.id == anotacion_id, Anotacion.expediente_id == expediente.id)
        .with_for_update()
    )
    if anotacion is None or anotacion.organismo_id != por.organismo_id:
        # Another organismo's note is not there for this user.
        raise acceso.denegar(NoEncontrado("La anotación no existe."), por, accion, expediente.id)
    acceso.exigir_perfil(por, accion, expediente.id)
    if anotacion.mesa_id != por.mesa_id:
        raise acceso.denegar(
            SinPermiso("Solo la mesa que escribió la anotación puede eliminarla."),
            por,
            accion,
            expediente.id,
        )
    if anotacion.eliminada_en is not None:
        raise acceso.denegar(
            Conflicto("La anotación ya fue eliminada."), por, accion, expediente.id
        )
    if expediente.ciclo == Ciclo.ANULADO:
        raise acceso.denegar(
            Conflicto("El expediente está anulado: ya no se pueden eliminar sus anotaciones."),
            por,
            accion,
            expediente.id,
        )
    anotacion.eliminada_en = utcnow()
    anotacion.eliminada_por_id = por.id
    anotacion.eliminada_por = por.usuario
    detalle = {"anotacion_id": str(anotacion.id)}
    historial.anotar(db, expediente.id, "anotacion.eliminada", por, detalle, anotacion.eliminada_en)
    outbox.add(
        db,
        AnotacionEliminada(
            **Actor.de(por),
            anotacion_id=anotacion.id,
            expediente_id=expediente.id,
            organismo_id=anotacion.organismo_id,
            mesa_id=anotacion.mesa_id,
        ),
    )
    audit.registrar(db, por, accion, f"anotacion/{anotacion.id}", expediente_id=expediente.id)
