"""What an expediente's detail shows of its conexos — its links, the files accumulated into it
and the one it is accumulated into — as columns of the detail's own SELECT (still one round
trip), and the RESERVADO rule over them: a RESERVADO file out of the viewer's scope is left out
(never its id, referencia or extracto), in the detail, the list of links and the timeline."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    Table,
    case,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB, aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession

from expedientes.models import RECEPCION_PENDIENTE, Custodia, Expediente, Mesa
from expedientes.models_conexos import AcumulacionCopia, Vinculo
from sigexp_common import alcance
from sigexp_common.security import Usuario

RESERVADO = alcance.RESERVADO
# Timeline entries that name another expediente, and where their detail names it.
ACCIONES_CONEXAS = {
    "expediente.vinculado": ("expediente",),
    "expediente.desvinculado": ("expediente",),
    "expediente.acumulado": ("principal", "acumulado"),
    "expediente.desglosado": ("principal", "acumulado"),
}


def referencia_sql(tabla: Any) -> ColumnElement[str]:
    """`numero-letras-anio` (or `numero-anio`) in SQL, as `models.referencia` writes it."""
    return func.concat_ws("-", tabla.c.numero, func.nullif(tabla.c.letras, ""), tabla.c.anio)


def _breve(e: Any, c: Any) -> ColumnElement[Any]:
    estado = case((c.c.en_transito, RECEPCION_PENDIENTE), else_=e.c.ciclo)
    return func.jsonb_build_object(
        "id",
        e.c.id,
        "referencia",
        referencia_sql(e),
        "extracto",
        e.c.extracto,
        "estado",
        estado,
        "caracter",
        e.c.caracter,
    )


def _otro_expediente() -> tuple[Any, Any]:
    return (
        Expediente.__table__.alias("conexo"),
        Custodia.__table__.alias("conexo_custodia"),
    )


def _se_muestra(e: Any, c: Any) -> ColumnElement[bool]:
    """The other file shows unless it is RESERVADO out of the viewer's scope (the scope's
    parameters are the detail's own: `alcance.parametros`)."""
    return or_(e.c.caracter != RESERVADO, alcance.visible(c.c.mesas))


def _lista(objeto: ColumnElement[Any], orden: ColumnElement[Any]) -> ColumnElement[Any]:
    return func.coalesce(
        func.jsonb_agg(aggregate_order_by(objeto, orden), type_=JSONB),
        literal_column("'[]'::jsonb"),
    )


def vinculos_de(expediente_id: Any) -> ScalarSelect[Any]:
    """The active links of `expediente_id` (either end), oldest first, as JSON."""
    v: Table = Vinculo.__table__  # type: ignore[assignment]
    e, c = _otro_expediente()
    m = Mesa.__table__.alias("vinculo_mesa")
    otro = case((v.c.expediente_id == expediente_id, v.c.vinculado_id), else_=v.c.expediente_id)
    objeto = func.jsonb_build_object(
        "id",
        v.c.id,
        "expediente",
        _breve(e, c),
        "motivo",
        v.c.motivo,
        "creado_en",
        v.c.creado_en,
        "por_usuario",
        v.c.por_usuario,
        "por_mesa",
        func.jsonb_build_object("id", v.c.por_mesa_id, "nombre", m.c.nombre),
    )
    return (
        select(_lista(objeto, v.c.creado_en))
        .select_from(v)
        .join(e, e.c.id == otro)
        .join(c, c.c.expediente_id == e.c.id)
        .outerjoin(m, m.c.id == v.c.por_mesa_id)
        .where(
            or_(v.c.expediente_id == expediente_id, v.c.vinculado_id == expediente_id),
            v.c.eliminado_en.is_(None),
            _se_muestra(e, c),
        )
        .scalar_subquery()
    )


def acumulados_de(expediente_id: ColumnElement[Any]) -> ScalarSelect[Any]:
    """The files accumulated into `expediente_id` now, in the order they were, as JSON."""
    a: Table = AcumulacionCopia.__table__  # type: ignore[assignment]
    e, c = _otro_expediente()
    objeto = func.jsonb_build_object(
        "id",
        a.c.id,
        "principal_id",
        a.c.principal_id,
        "acumulado_id",
        a.c.acumulado_id,
        "expediente",
        _breve(e, c),
        "motivo",
        a.c.motivo,
        "en",
        a.c.en,
        "por_usuario",
        a.c.por_usuario,
    )
    return (
        select(_lista(objeto, a.c.en))
        .select_from(a)
        .join(e, e.c.id == a.c.acumulado_id)
        .join(c, c.c.expediente_id == e.c.id)
        .where(a.c.principal_id == expediente_id, a.c.activa, _se_muestra(e, c))
        .scalar_subquery()
    )


def acumulado_en_de(expediente_id: ColumnElement[Any]) -> ScalarSelect[Any]:
    """`{id, referencia}` of the file `expediente_id` is accumulated into, or NULL."""
    a: Table = AcumulacionCopia.__table__  # type: ignore[assignment]
    e, c = _otro_expediente()
    objeto = func.jsonb_build_object("id", e.c.id, "referencia", referencia_sql(e))
    return (
        select(objeto)
        .select_from(a)
        .join(e, e.c.id == a.c.principal_id)
        .join(c, c.c.expediente_id == e.c.id)
        .where(a.c.acumulado_id == expediente_id, a.c.activa, _se_muestra(e, c))
        .limit(1)
        .scalar_subquery()
    )


def columnas_del_detalle() -> list[ColumnElement[Any]]:
    """The detail's extra columns (correlated to the detail's expediente)."""
    propio = Expediente.__table__.c.id
    return [
        vinculos_de(propio).label("vinculos"),
        acumulados_de(propio).label("acumulados"),
        acumulado_en_de(propio).label("acumulado_en"),
    ]


async def ocultos(db: AsyncSession, ids: Sequence[uuid.UUID], por: Usuario) -> set[uuid.UUID]:
    """Which of `ids` are RESERVADO files out of `por`'s scope (to be left out)."""
    if por.ve_todo or not ids:
        return set()
    filas = await db.execute(
        select(Expediente.id, Custodia.mesas)
        .join(Custodia, Custodia.expediente_id == Expediente.id)
        .where(Expediente.id.in_(set(ids)), Expediente.caracter == RESERVADO)
    )
    return {ident for ident, mesas in filas.all() if not alcance.ve(por, mesas)}


def nombrados(accion: str, detalle: dict[str, Any]) -> list[uuid.UUID]:
    """The other expedientes a timeline entry of a conexo names."""
    ids = []
    for clave in ACCIONES_CONEXAS.get(accion, ()):
        otro = detalle.get(clave)
        if isinstance(otro, dict) and otro.get("id"):
            ids.append(uuid.UUID(str(otro["id"])))
    return ids
