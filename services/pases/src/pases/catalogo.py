"""This service's copies of auth's catalogue (organismos, desks, dependencias) and the rule a
pase's destination must meet. Each copy takes only a newer version of auth's row
(`sigexp_common.projection`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pases.copias import Dependencia, Mesa, Organismo
from pases.events import DependenciaActualizada, MesaActualizada, OrganismoActualizado
from sigexp_common import alcance, projection
from sigexp_common.errors import CampoInvalido, Conflicto, DatoInvalido


async def registrar_mesa(db: AsyncSession, evento: MesaActualizada) -> None:
    """Keep the copy of a desk and of its organismo, each only from a newer version of it."""
    await projection.apply_if_newer(
        db,
        Mesa,
        {"id": evento.id},
        projection.version(evento),
        evento.model_dump(include={"codigo", "nombre", "organismo_id", "es_oficina", "activo"}),
    )
    await projection.apply_if_newer(
        db,
        Organismo,
        {"id": evento.organismo_id},
        evento.organismo_version,
        {"codigo": evento.organismo_codigo, "nombre": evento.organismo_nombre},
    )


async def registrar_organismo(db: AsyncSession, evento: OrganismoActualizado) -> None:
    await projection.apply_if_newer(
        db,
        Organismo,
        {"id": evento.id},
        projection.version(evento),
        {"codigo": evento.codigo, "nombre": evento.nombre},
    )


async def registrar_dependencia(db: AsyncSession, evento: DependenciaActualizada) -> None:
    await projection.apply_if_newer(
        db,
        Dependencia,
        {"id": evento.id},
        projection.version(evento),
        evento.model_dump(include={"codigo", "nombre", "organismo_id", "activo"}),
    )


@dataclass(frozen=True)
class Destino:
    mesa: Mesa
    dependencia_id: uuid.UUID | None


async def exigir_destino(
    db: AsyncSession,
    mesa_destino_id: uuid.UUID,
    organismo_destino_id: uuid.UUID | None,
    dependencia_id: uuid.UUID | None,
    mesa_propia_id: uuid.UUID,
) -> Destino:
    """A pase goes to a known, active desk that is not the sender's, inside the organismo named
    (when named), to an active dependencia of that organismo (when named). 422 naming each
    field otherwise; while no desk has reached this service yet it cannot tell: 409, retry."""
    mesa = await db.get(Mesa, mesa_destino_id)
    if mesa is None and await db.scalar(select(Mesa.id).limit(1)) is None:
        raise _catalogo_en_camino("mesas")
    errores: list[CampoInvalido] = []
    if mesa is None:
        errores.append(CampoInvalido("mesa_destino_id", "No es una mesa del catálogo."))
    elif not mesa.activo:
        errores.append(CampoInvalido("mesa_destino_id", "La mesa está dada de baja."))
    elif mesa.id == mesa_propia_id:
        errores.append(CampoInvalido("mesa_destino_id", "Es su propia mesa."))
    if mesa is not None and organismo_destino_id not in (None, mesa.organismo_id):
        errores.append(
            CampoInvalido("organismo_destino_id", "La mesa de destino no es de ese organismo.")
        )
    if dependencia_id is not None:
        dependencia = await db.get(Dependencia, dependencia_id)
        if dependencia is None and await db.scalar(select(Dependencia.id).limit(1)) is None:
            raise _catalogo_en_camino("dependencias")
        if dependencia is None:
            errores.append(CampoInvalido("dependencia_id", "No es una dependencia del catálogo."))
        elif not dependencia.activo:
            errores.append(CampoInvalido("dependencia_id", "La dependencia está dada de baja."))
        elif mesa is not None and dependencia.organismo_id != mesa.organismo_id:
            errores.append(
                CampoInvalido("dependencia_id", "No es del organismo de la mesa de destino.")
            )
    if errores:
        detalle = " ".join(f"{e.campo}: {e.mensaje}" for e in errores)
        raise DatoInvalido(f"El destino del pase no es válido. {detalle}", errores)
    assert mesa is not None
    return Destino(mesa, dependencia_id)


def _catalogo_en_camino(que: str) -> Conflicto:
    return Conflicto(
        f"El catálogo de {que} todavía no llegó a este servicio; intente de nuevo en un momento.",
        retry_after=alcance.ESPERA,
    )
