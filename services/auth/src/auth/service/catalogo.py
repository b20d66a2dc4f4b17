"""Catalogue of organismos, mesas, dependencias and tipos: listings and the atomic import."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from auth.events import (
    DependenciaActualizada,
    MesaActualizada,
    OrganismoActualizado,
    TipoActualizado,
)
from auth.models import Dependencia, Mesa, Organismo, TipoExpediente
from auth.schemas import Conteo, ImportacionOut
from auth.service.importacion import Catalogo, Fila, errores_de_referencias
from sigexp_common import audit, outbox
from sigexp_common.security import Usuario

_IMPORT_LOCK = 727302


def _buscar(consulta: Select[Any], q: str | None, *columnas: Any) -> Select[Any]:
    if not q:
        return consulta
    patron = f"%{q.strip().lower()}%"
    return consulta.where(or_(*(func.lower(c).like(patron) for c in columnas)))


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


async def importar(db: AsyncSession, catalogo: Catalogo, por: Usuario | None) -> ImportacionOut:
    """Apply a validated file: all rows or none (the caller's transaction), idempotent."""
    await db.execute(text(f"SELECT pg_advisory_xact_lock({_IMPORT_LOCK})"))
    organismos = {o.codigo: o for o in await db.scalars(select(Organismo))}
    errores_de_referencias(catalogo, set(organismos))
    conteos = {e: Conteo() for e in ("organismo", "mesa", "dependencia", "tipo")}

    def contar(entidad: str, creado: bool, cambiado: bool) -> None:
        c = conteos[entidad]
        if creado:
            c.creados += 1
        elif cambiado:
            c.actualizados += 1
        else:
            c.sin_cambios += 1

    for fila in catalogo.de("organismo"):
        org = organismos.get(fila.codigo)
        creado = org is None
        if org is None:
            org = organismos[fila.codigo] = Organismo(codigo=fila.codigo)
            db.add(org)
        cambiado = _aplicar(
            org, {"nombre": fila.nombre, "nombre_corto": fila.nombre_corto, "activo": fila.activo}
        )
        contar("organismo", creado, cambiado)
        if creado or cambiado:
            await db.flush()
            outbox.add(db, OrganismoActualizado.de(org))

    await _importar_mesas(db, catalogo.de("mesa"), organismos, contar)
    await _importar_dependencias(db, catalogo.de("dependencia"), organismos, contar)

    tipos = {t.codigo: t for t in await db.scalars(select(TipoExpediente))}
    for fila in catalogo.de("tipo"):
        tipo = tipos.get(fila.codigo)
        creado = tipo is None
        if tipo is None:
            tipo = tipos[fila.codigo] = TipoExpediente(codigo=fila.codigo)
            db.add(tipo)
        cambiado = _aplicar(tipo, {"nombre": fila.nombre, "activo": fila.activo})
        contar("tipo", creado, cambiado)
        if creado or cambiado:
            outbox.add(db, TipoActualizado.de(tipo))
    await db.flush()

    resultado = ImportacionOut(
        formato=catalogo.formato,
        creados=sum(c.creados for c in conteos.values()),
        actualizados=sum(c.actualizados for c in conteos.values()),
        sin_cambios=sum(c.sin_cambios for c in conteos.values()),
        organismos=conteos["organismo"],
        mesas=conteos["mesa"],
        dependencias=conteos["dependencia"],
        tipos=conteos["tipo"],
    )
    audit.registrar(
        db,
        por,
        "catalogo.importar",
        "catalogo",
        detalle=resultado.model_dump(exclude={"organismos", "mesas", "dependencias", "tipos"}),
    )
    return resultado


async def _importar_mesas(
    db: AsyncSession, filas: list[Fila], organismos: dict[str, Organismo], contar: Any
) -> None:
    mesas = {m.codigo: m for m in await db.scalars(select(Mesa))}
    for fila in filas:
        org = organismos[str(fila.organismo_codigo)]
        mesa = mesas.get(fila.codigo)
        creado = mesa is None
        if mesa is None:
            mesa = mesas[fila.codigo] = Mesa(codigo=fila.codigo)
            db.add(mesa)
        cambiado = _aplicar(
            mesa,
            {
                "nombre": fila.nombre,
                "organismo_id": org.id,
                "es_oficina": fila.es_oficina,
                "activo": fila.activo,
            },
        )
        contar("mesa", creado, cambiado)
        if creado or cambiado:
            await db.flush()
            outbox.add(db, MesaActualizada.de(mesa, org))


async def _importar_dependencias(
    db: AsyncSession, filas: list[Fila], organismos: dict[str, Organismo], contar: Any
) -> None:
    dependencias = {d.codigo: d for d in await db.scalars(select(Dependencia))}
    for fila in filas:
        org = organismos[str(fila.organismo_codigo)]
        dep = dependencias.get(fila.codigo)
        creado = dep is None
        if dep is None:
            dep = dependencias[fila.codigo] = Dependencia(codigo=fila.codigo)
            db.add(dep)
        cambiado = _aplicar(
            dep, {"nombre": fila.nombre, "organismo_id": org.id, "activo": fila.activo}
        )
        contar("dependencia", creado, cambiado)
        if creado or cambiado:
            await db.flush()
            outbox.add(db, DependenciaActualizada.de(dep))


async def republicar(db: AsyncSession, por: Usuario) -> int:
    """Publish the whole catalogue again (a new consumer builds its copy from these)."""
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
    audit.registrar(db, por, "catalogo.republicar", "catalogo", detalle={"eventos": n})
    return n
