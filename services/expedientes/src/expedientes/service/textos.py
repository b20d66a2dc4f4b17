"""The documents' text that search reads: one text per archivo (the newest version's wins),
from `sigexp.archivo.procesado.v1`, gathered into the expediente's `texto_documentos` vector
(weight D, the `sigexp_es` configuration of `service/busqueda.py`)."""

from __future__ import annotations

import uuid

from sqlalchemy import String, func, literal_column, select, update
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.ext.asyncio import AsyncSession

from expedientes.events import ArchivoProcesado
from expedientes.models import Expediente, TextoDocumento
from sigexp_common import projection

CONFIGURACION = "sigexp_es"
_CONFIGURACION = literal_column(f"'{CONFIGURACION}'::regconfig", REGCONFIG)
_D = literal_column("'D'::\"char\"", String)

LISTO = "LISTO"
OLVIDADO = 2**62
"""The version of a removed archivo's text: higher than any version archivos will make, so a
late `procesado` of it changes nothing."""
MAX_TEXTO = 1_000_000
"""Characters of an expediente's documents read into its vector (each document's text already
arrives cut at 100,000): a tsvector holds at most 1 MB."""


async def registrar_texto(db: AsyncSession, evento: ArchivoProcesado) -> None:
    """Keep the archivo's text if this version is newer than the one held (a failed processing
    leaves that version without text), and gather the expediente's documents again."""
    await _bloquear(db, evento.expediente_id)
    cambio = await projection.apply_if_newer(
        db,
        TextoDocumento,
        {"archivo_id": evento.archivo_id},
        projection.version(evento),
        {
            "expediente_id": evento.expediente_id,
            "texto": (evento.texto or "") if evento.estado == LISTO else "",
            "eliminado": False,
        },
    )
    if cambio:
        await _reunir(db, evento.expediente_id)


async def olvidar_texto(
    db: AsyncSession, archivo_id: uuid.UUID, expediente_id: uuid.UUID | None = None
) -> None:
    """A removed archivo's text is no longer searched; a later `procesado` of it is ignored."""
    guardado = await db.scalar(
        select(TextoDocumento.expediente_id).where(TextoDocumento.archivo_id == archivo_id)
    )
    expediente_id = guardado or expediente_id
    if expediente_id is not None:
        await _bloquear(db, expediente_id)
    await projection.apply_if_newer(
        db,
        TextoDocumento,
        {"archivo_id": archivo_id},
        OLVIDADO,
        {"expediente_id": expediente_id, "texto": "", "eliminado": True},
    )
    if expediente_id is not None:
        await _reunir(db, expediente_id)


async def _bloquear(db: AsyncSession, expediente_id: uuid.UUID) -> None:
    """Texts of one expediente are gathered one transaction at a time: two documents processed
    at once must both end in its vector (each gathers after the other's commit)."""
    await db.execute(select(Expediente.id).where(Expediente.id == expediente_id).with_for_update())


async def _reunir(db: AsyncSession, expediente_id: uuid.UUID) -> None:
    textos = (
        select(func.left(func.string_agg(TextoDocumento.texto, " "), MAX_TEXTO))
        .where(TextoDocumento.expediente_id == expediente_id, TextoDocumento.eliminado.is_(False))
        .scalar_subquery()
    )
    vector = func.setweight(func.to_tsvector(_CONFIGURACION, func.sigexp_texto(textos)), _D)
    await db.execute(
        update(Expediente).where(Expediente.id == expediente_id).values(texto_documentos=vector)
    )
