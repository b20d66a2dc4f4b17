"""What expedientes hears from pases and archivos: each fact joins the expediente's timeline
once, and a received pase adds its fojas and tomos (a reverted one that had been received
takes them back). Additions commute, so the order of delivery does not matter; a fact heard
twice (the same event again, or republished) is applied once (`historial.anotar_noticia`).
These do not change the expediente's `version` nor publish: fojas and tomos from pases are
not an edit."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from expedientes.events import (
    ArchivoAdjuntado,
    ArchivoEliminado,
    ArchivoReemplazado,
    PaseEnviado,
    PaseRechazado,
    PaseRecibido,
    PaseRevertido,
)
from expedientes.models import Expediente
from expedientes.service import busqueda, historial


def _pase(evento: PaseEnviado | PaseRecibido | PaseRechazado | PaseRevertido) -> dict[str, Any]:
    return {
        "pase_id": str(evento.pase_id),
        "mesa_origen_id": str(evento.mesa_origen_id) if evento.mesa_origen_id else None,
        "mesa_destino_id": str(evento.mesa_destino_id) if evento.mesa_destino_id else None,
    }


async def registrar_pase_enviado(db: AsyncSession, evento: PaseEnviado) -> None:
    detalle = {
        **_pase(evento),
        "permiso": evento.permiso,
        "fojas_agregadas": evento.fojas_agregadas,
        "tomos_agregados": evento.tomos_agregados,
        "observaciones": evento.observaciones,
    }
    await historial.anotar_noticia(
        db, "pase.enviado", evento, f"pase.enviado:{evento.pase_id}", detalle
    )


async def registrar_pase_recibido(db: AsyncSession, evento: PaseRecibido) -> None:
    detalle = {
        **_pase(evento),
        "permiso": evento.permiso,
        "fojas_agregadas": evento.fojas_agregadas,
        "tomos_agregados": evento.tomos_agregados,
        "discrepancia": evento.discrepancia,
    }
    origen = f"pase.recibido:{evento.pase_id}"
    if await historial.anotar_noticia(db, "pase.recibido", evento, origen, detalle):
        await _sumar(db, evento.expediente_id, evento.fojas_agregadas, evento.tomos_agregados)


async def registrar_pase_rechazado(db: AsyncSession, evento: PaseRechazado) -> None:
    detalle = {**_pase(evento), "motivo": evento.motivo}
    await historial.anotar_noticia(
        db, "pase.rechazado", evento, f"pase.rechazado:{evento.pase_id}", detalle
    )


async def registrar_pase_revertido(db: AsyncSession, evento: PaseRevertido) -> None:
    detalle = {
        **_pase(evento),
        "motivo": evento.motivo,
        "habia_sido_recibido": evento.habia_sido_recibido,
    }
    origen = f"pase.revertido:{evento.pase_id}"
    nuevo = await historial.anotar_noticia(db, "pase.revertido", evento, origen, detalle)
    if nuevo and evento.habia_sido_recibido:
        await _sumar(db, evento.expediente_id, -evento.fojas_agregadas, -evento.tomos_agregados)


async def _sumar(db: AsyncSession, expediente_id: uuid.UUID, fojas: int, tomos: int) -> None:
    if fojas or tomos:
        await db.execute(
            update(Expediente)
            .where(Expediente.id == expediente_id)
            .values(fojas=Expediente.fojas + fojas, tomos=Expediente.tomos + tomos)
        )


def _archivo(evento: ArchivoAdjuntado) -> dict[str, Any]:
    return {
        "archivo_id": str(evento.archivo_id),
        "version": evento.version,
        "nombre": evento.nombre,
        "tipo_mime": evento.tipo_mime,
        "tamanio": evento.tamanio,
    }


async def registrar_archivo_adjuntado(db: AsyncSession, evento: ArchivoAdjuntado) -> None:
    origen = f"archivo.adjuntado:{evento.archivo_id}:{evento.version}"
    await historial.anotar_noticia(db, "archivo.adjuntado", evento, origen, _archivo(evento))


async def registrar_archivo_reemplazado(db: AsyncSession, evento: ArchivoReemplazado) -> None:
    origen = f"archivo.reemplazado:{evento.archivo_id}:{evento.version}"
    await historial.anotar_noticia(db, "archivo.reemplazado", evento, origen, _archivo(evento))


async def registrar_archivo_eliminado(db: AsyncSession, evento: ArchivoEliminado) -> None:
    """A removed archivo enters the timeline and its text is no longer searched."""
    detalle = {"archivo_id": str(evento.archivo_id), "nombre": evento.nombre}
    origen = f"archivo.eliminado:{evento.archivo_id}"
    await historial.anotar_noticia(db, "archivo.eliminado", evento, origen, detalle)
    await busqueda.olvidar_texto(db, evento.archivo_id, evento.expediente_id)
