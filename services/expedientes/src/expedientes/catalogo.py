"""This service's copies of auth's catalogue (desks, organismos, tipos) and the rules an alta
asks of them. Each copy takes only a newer version of auth's row (`sigexp_common.projection`).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from expedientes.events import MesaActualizada, OrganismoActualizado, TipoActualizado
from expedientes.models import Mesa, Organismo, Tipo
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


async def registrar_tipo(db: AsyncSession, evento: TipoActualizado) -> None:
    await projection.apply_if_newer(
        db,
        Tipo,
        {"codigo": evento.codigo},
        projection.version(evento),
        {"nombre": evento.nombre, "activo": evento.activo},
    )


async def exigir_tipo(db: AsyncSession, codigo: str) -> None:
    """An alta names an active tipo of the catalogue (422 naming `tipo` otherwise). While no
    tipo has reached this service yet, it cannot tell: 409, ask again in a moment."""
    activo = await db.scalar(select(Tipo.activo).where(Tipo.codigo == codigo))
    if activo:
        return
    if activo is None and await db.scalar(select(Tipo.codigo).limit(1)) is None:
        raise Conflicto(
            "El catálogo de tipos de expediente todavía no llegó a este servicio; "
            "intente de nuevo en un momento.",
            retry_after=alcance.ESPERA,
        )
    mensaje = "No es un tipo del catálogo." if activo is None else "El tipo está dado de baja."
    raise DatoInvalido(
        f"El tipo de expediente {codigo} no se puede usar.", [CampoInvalido("tipo", mensaje)]
    )
