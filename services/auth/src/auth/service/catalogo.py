"""Catalogue of organismos, mesas, dependencias and tipos: listings and the atomic import."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.events import (
    DependenciaActualizada,
    MesaActualizada,
    OrganismoActualizado,
    TipoActualizado,
)
from auth.models import Dependencia, Mesa, Organismo, TipoExpediente
from auth.schemas import Conteo, ImportacionOut
from auth.service import feriados
from auth.service.importacion import Catalogo, errores_de_referencias
from sigexp_common import audit, entrada, outbox
from sigexp_common.db import advisory_xact_lock
from sigexp_common.security import Usuario

_IMPORT_LOCK = "auth.catalogo.importacion"


def _buscar(consulta: Select[Any], q: str | None, *columnas: Any) -> Select[Any]:
    if not q:
        return consulta
    patron = entrada.contiene(q.strip().lower())
    return consulta.where(
        or_(*(func.lower(c).like(patron, escape=entrada.ESCAPE) for c in columnas))
    )


async def listar_organismos(
    db: AsyncSession, q: str | None, activo: bool | None
) -> Sequence[Organismo]:
    consulta = _buscar(
        select(Organismo), q, Organismo.nombre, Organismo.codigo, Organismo.nombre_corto
    )
    if activo is not None:
        consulta = consulta.where(Organismo.activo.is_(activo))
    return (await db.scalars(consulta.order_by(Organismo.nombre))).all()


async def listar_mesas(
    db: AsyncSession, q: str | None, organismo_id: Any, es_oficina: bool | None, activo: bool | None
) -> Sequence[Mesa]:
    consulta = _buscar(select(Mesa), q, Mesa.nombre, Mesa.codigo)
    if organismo_id is not None:
        consulta = consulta.where(Mesa.organismo_id == organismo_id)
    if es_oficina is not None:
        consulta = consulta.where(Mesa.es_oficina.is_(es_oficina))
    if activo is not None:
        consulta = consulta.where(Mesa.activo.is_(activo))
    return (await db.scalars(consulta.order_by(Mesa.nombre))).all()


async def listar_dependencias(
    db: AsyncSession, q: str | None, organismo_id: Any, activo: bool | None
) -> Sequence[Dependencia]:
    consulta = _buscar(select(Dependencia), q, Dependencia.nombre, Dependencia.codigo)
    if organismo_id is not None:
        consulta = consulta.where(Dependencia.organismo_id == organismo_id)
    if activo is not None:
        consulta = consulta.where(Dependencia.activo.is_(activo))
    return (await db.scalars(consulta.order_by(Dependencia.nombre))).all()


async def listar_tipos(
    db: AsyncSession, q: str | None, activo: bool | None
) -> Sequence[TipoExpediente]:
    consulta = _buscar(select(TipoExpediente), q, TipoExpediente.nombre, TipoExpediente.codigo)
    if activo is not None:
        consulta = consulta.where(TipoExpediente.activo.is_(activo))
    return (await db.scalars(consulta.order_by(TipoExpediente.nombre))).all()


def _aplicar(obj: Any, valores: dict[str, Any]) -> bool:
    cambio = False
    for campo, valor in valores.items():
        if getattr(obj, campo) != valor:
            setattr(obj, campo, valor)
            cambio = True
    return cambio


Entidad = TypeVar("Entidad", Organismo, Mesa, Dependencia, TipoExpediente)


async def _sincronizar(
    db: AsyncSession,
    existentes: dict[str, Entidad],
    modelo: type[Entidad],
    codigo: str,
    valores: dict[str, Any],
    conteo: Conteo,
) -> Entidad | None:
    """Create or update the row with `codigo`; answers it when it changed (to publish it)."""
    obj = existentes.get(codigo)
    creado = obj is None
    if obj is None:
        obj = existentes[codigo] = modelo(codigo=codigo)
        db.add(obj)
    cambiado = _aplicar(obj, valores)
    if creado:
        conteo.creados += 1
    elif cambiado:
        conteo.actualizados += 1
    else:
        conteo.sin_cambios += 1
        return None
    await db.flush()  # ids for the event and for the rows that refer to it
    return obj


async def importar(db: AsyncSession, catalogo: Catalogo, por: Usuario | None) -> ImportacionOut:
    """Apply a validated file: all rows or none (the caller's transaction), idempotent."""
    await advisory_xact_lock(db, _IMPORT_LOCK)
    organismos = {o.codigo: o for o in await db.scalars(select(Organismo))}
    errores_de_referencias(catalogo, set(organismos))
    c = {e: Conteo() for e in ("organismo", "mesa", "dependencia", "tipo")}

    valores: dict[str, Any]
    for fila in catalogo.de("organismo"):
        valores = {"nombre": fila.nombre, "nombre_corto": fila.nombre_corto, "activo": fila.activo}
        if org := await _sincronizar(
            db, organismos, Organismo, fila.codigo, valores, c["organismo"]
        ):
            outbox.add(db, OrganismoActualizado.de(org))

    mesas = {m.codigo: m for m in await db.scalars(select(Mesa))}
    for fila in catalogo.de("mesa"):
        org = organismos[str(fila.organismo_codigo)]
        valores = {
            "nombre": fila.nombre,
            "organismo_id": org.id,
            "es_oficina": fila.es_oficina,
            "activo": fila.activo,
        }
        if mesa := await _sincronizar(db, mesas, Mesa, fila.codigo, valores, c["mesa"]):
            outbox.add(db, MesaActualizada.de(mesa, org))

    dependencias = {d.codigo: d for d in await db.scalars(select(Dependencia))}
    for fila in catalogo.de("dependencia"):
        org = organismos[str(fila.organismo_codigo)]
        valores = {"nombre": fila.nombre, "organismo_id": org.id, "activo": fila.activo}
        if dep := await _sincronizar(
            db, dependencias, Dependencia, fila.codigo, valores, c["dependencia"]
        ):
            outbox.add(db, DependenciaActualizada.de(dep))

    tipos = {t.codigo: t for t in await db.scalars(select(TipoExpediente))}
    for fila in catalogo.de("tipo"):
        valores = {"nombre": fila.nombre, "activo": fila.activo}
        if tipo := await _sincronizar(db, tipos, TipoExpediente, fila.codigo, valores, c["tipo"]):
            outbox.add(db, TipoActualizado.de(tipo))

    resultado = ImportacionOut(
        formato=catalogo.formato,
        creados=sum(x.creados for x in c.values()),
        actualizados=sum(x.actualizados for x in c.values()),
        sin_cambios=sum(x.sin_cambios for x in c.values()),
        organismos=c["organismo"],
        mesas=c["mesa"],
        dependencias=c["dependencia"],
        tipos=c["tipo"],
    )
    audit.registrar(
        db,
        por,
        "catalogo.importar",
        "catalogo",
        detalle=resultado.model_dump(exclude={"organismos", "mesas", "dependencias", "tipos"}),
    )
    return resultado


async def republicar(db: AsyncSession, por: Usuario | None) -> int:
    """Publish the whole catalogue again, holidays included (a new consumer builds its copy
    from these)."""
    n = 0
    organismos = {o.id: o for o in await db.scalars(select(Organismo))}
    for org in organismos.values():
        outbox.add(db, OrganismoActualizado.de(org))
        n += 1
    for mesa in await db.scalars(select(Mesa)):
        outbox.add(db, MesaActualizada.de(mesa, organismos[mesa.organismo_id]))
        n += 1
    for dep in await db.scalars(select(Dependencia)):
        outbox.add(db, DependenciaActualizada.de(dep))
        n += 1
    for tipo in await db.scalars(select(TipoExpediente)):
        outbox.add(db, TipoActualizado.de(tipo))
        n += 1
    n += await feriados.republicar(db)
    audit.registrar(db, por, "catalogo.republicar", "catalogo", detalle={"eventos": n})
    return n
