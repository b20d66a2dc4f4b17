"""Use cases of the pases service: one function each; the caller owns the transaction."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from pases.events import ExpedienteIniciado
from pases.models import MesaVisitada, Pase, Tenencia
from pases.schemas import TenenciaOut
from sigexp_common import audit
from sigexp_common.envelope import utcnow
from sigexp_common.errors import Conflicto, NoEncontrado, SinPermiso
from sigexp_common.security import Usuario

VEN_TODO = ("AUTORIDAD", "ADMIN")
ESPERA_NOVEDADES = 1  # seconds a client waits before asking again for news still on the bus


async def registrar_expediente_iniciado(db: AsyncSession, evento: ExpedienteIniciado) -> None:
    """The starting desk holds the new expediente, with ESCRITURA."""
    await db.execute(
        insert(Tenencia)
        .values(
            expediente_id=evento.expediente_id,
            referencia=evento.referencia,
            caracter=evento.caracter,
            mesa_id=evento.mesa_id,
            organismo_id=evento.organismo_id,
            permiso=evento.permiso,
            estado=evento.estado,
            fojas=evento.fojas,
            tomos=evento.tomos,
            desde=evento.creado_en,
        )
        .on_conflict_do_nothing(index_elements=[Tenencia.expediente_id])
    )
    await db.execute(
        insert(MesaVisitada)
        .values(expediente_id=evento.expediente_id, mesa_id=evento.mesa_id, desde=evento.creado_en)
        .on_conflict_do_nothing()
    )


async def ver_recorrido(
    db: AsyncSession, expediente_id: uuid.UUID, por: Usuario
) -> tuple[list[Pase], TenenciaOut]:
    """The route of an expediente, oldest first, and who holds it now (with time at the desk)."""
    tenencia = await db.get(Tenencia, expediente_id)
    if tenencia is None:
        raise Conflicto(
            "El expediente todavía no figura en pases; intente de nuevo en un momento.",
            retry_after=ESPERA_NOVEDADES,
        )
    await _exigir_alcance(db, tenencia, por)
    pases = (
        await db.scalars(
            select(Pase).where(Pase.expediente_id == expediente_id).order_by(Pase.enviado_en)
        )
    ).all()
    audit.registrar(
        db, por, "pase.ver_recorrido", f"expediente/{expediente_id}", expediente_id=expediente_id
    )
    espera = int((utcnow() - tenencia.desde).total_seconds())
    actual = TenenciaOut.model_validate(
        {**_columnas(tenencia), "tiempo_en_mesa_segundos": max(espera, 0)}
    )
    return list(pases), actual


def _columnas(tenencia: Tenencia) -> dict[str, object]:
    return {c.key: getattr(tenencia, c.key) for c in Tenencia.__table__.columns}


async def _exigir_alcance(db: AsyncSession, tenencia: Tenencia, por: Usuario) -> None:
    if por.perfil in VEN_TODO:
        return
    visitada = await db.scalar(
        select(MesaVisitada.mesa_id).where(
            MesaVisitada.expediente_id == tenencia.expediente_id,
            MesaVisitada.mesa_id == por.mesa_id,
        )
    )
    if visitada is None:
        if tenencia.caracter == "RESERVADO":
            raise NoEncontrado("El expediente no existe.")
        raise SinPermiso("El expediente no pasó por su mesa: no puede ver su recorrido.")
