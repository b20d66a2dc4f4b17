"""The copy of expedientes' data of each expediente: its lifecycle (ANULADO and ARCHIVADO are
not sent) and the summary remitos and en-mesa show. Only a newer expediente version replaces it
(`projection.apply_if_newer`); custody keeps `referencia` and `caracter` in step with it."""

from __future__ import annotations

import uuid

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from pases.copias import ExpedienteCopia
from pases.events import ExpedienteActualizado, ExpedienteAnulado, ExpedienteIniciado
from pases.models import Tenencia
from sigexp_common import projection

ANULADO = "ANULADO"
_DATOS = {"referencia", "extracto", "tipo", "caracter", "estado", "fojas", "tomos"}


async def copiar_iniciado(db: AsyncSession, evento: ExpedienteIniciado) -> None:
    """The first version of the copy (an alta announced without a version is version 1)."""
    await projection.apply_if_newer(
        db,
        ExpedienteCopia,
        {"expediente_id": evento.expediente_id},
        evento.envelope.sequence or 1,
        evento.model_dump(include=_DATOS),
    )


async def registrar_expediente_actualizado(db: AsyncSession, evento: ExpedienteActualizado) -> None:
    """The whole current data of an edit or a lifecycle change; custody's `referencia` and
    `caracter` follow (the RESERVADO rule), and its expected fojas and tomos when the edit
    corrected them."""
    copiado = await projection.apply_if_newer(
        db,
        ExpedienteCopia,
        {"expediente_id": evento.expediente_id},
        projection.version(evento),
        evento.model_dump(include=_DATOS),
    )
    if not copiado:
        return
    valores: dict[str, object] = {"referencia": evento.referencia, "caracter": evento.caracter}
    corregidos = {c.campo for c in evento.cambios} & {"fojas", "tomos"}
    valores.update({campo: getattr(evento, campo) for campo in corregidos})
    await _seguir_en_custodia(db, evento.expediente_id, valores)


async def registrar_expediente_anulado(db: AsyncSession, evento: ExpedienteAnulado) -> None:
    await projection.apply_if_newer(
        db,
        ExpedienteCopia,
        {"expediente_id": evento.expediente_id},
        projection.version(evento),
        {"estado": ANULADO},
    )


async def _seguir_en_custodia(
    db: AsyncSession, expediente_id: uuid.UUID, valores: dict[str, object]
) -> None:
    """Data only: custody's version and its events are custody's changes, not these."""
    await db.execute(
        update(Tenencia).where(Tenencia.expediente_id == expediente_id).values(**valores)
    )
