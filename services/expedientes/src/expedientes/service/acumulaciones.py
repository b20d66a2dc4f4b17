"""What expedientes hears of pases' accumulations (pases owns custody and the joint moves):
the copy each detail shows (`acumulados`, `acumulado_en`) and an entry on both files'
timelines, once per fact. The copy takes only a newer version (the accumulated file's custody
version), so a desglose heard before its acumulación still ends it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from expedientes.events import ExpedienteAcumulado, ExpedienteDesglosado
from expedientes.models_conexos import AcumulacionCopia
from expedientes.service import historial
from sigexp_common import projection


async def registrar_acumulado(db: AsyncSession, evento: ExpedienteAcumulado) -> None:
    await _registrar(db, evento, activa=True, accion="expediente.acumulado")


async def registrar_desglosado(db: AsyncSession, evento: ExpedienteDesglosado) -> None:
    await _registrar(db, evento, activa=False, accion="expediente.desglosado")


async def _registrar(
    db: AsyncSession, evento: ExpedienteAcumulado, *, activa: bool, accion: str
) -> None:
    valores: dict[str, object] = {
        "principal_id": evento.principal_id,
        "acumulado_id": evento.expediente_id,
        "activa": activa,
    }
    if activa:  # a desglose keeps what the acumulación said of itself
        valores.update(motivo=evento.motivo, en=evento.cuando, por_usuario=evento.por_usuario)
    else:
        valores.update(motivo="", en=evento.cuando, por_usuario=evento.por_usuario)
    await projection.apply_if_newer(
        db,
        AcumulacionCopia,
        {"id": evento.acumulacion_id},
        projection.version(evento),
        valores if activa else await _desglose(db, evento, valores),
    )
    detalle = {
        "acumulacion_id": str(evento.acumulacion_id),
        "principal": {"id": str(evento.principal_id), "referencia": evento.principal_referencia},
        "acumulado": {"id": str(evento.expediente_id), "referencia": evento.referencia},
        "motivo": evento.motivo,
    }
    for expediente_id in (evento.expediente_id, evento.principal_id):
        noticia = evento.model_copy(update={"expediente_id": expediente_id})
        origen = f"{accion}:{evento.acumulacion_id}:{expediente_id}"
        await historial.anotar_noticia(db, accion, noticia, origen, detalle)


async def _desglose(
    db: AsyncSession, evento: ExpedienteAcumulado, valores: dict[str, object]
) -> dict[str, object]:
    """A desglose keeps the acumulación's own reason and time when the copy has them."""
    copia = await db.get(AcumulacionCopia, evento.acumulacion_id)
    if copia is not None:
        valores.update(motivo=copia.motivo, en=copia.en, por_usuario=copia.por_usuario)
    return valores
