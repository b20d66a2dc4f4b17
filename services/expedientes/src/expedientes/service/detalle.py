"""The expediente's own share of the detail the gateway composes: the expediente, the notes its
reader may see and its timeline, read in one request and recorded as one read."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, ColumnElement, bindparam, case, func, literal_column, null, select
from sqlalchemy.dialects.postgresql import UUID, aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from expedientes.models import Custodia, Expediente, ExpedienteLeido, Mesa, leer_expedientes
from expedientes.models_acciones import Anotacion, Suceso
from expedientes.service import consulta, historial
from sigexp_common import alcance, audit, context
from sigexp_common.security import Usuario

PARTES = ("expediente", "anotaciones", "historial")
_NOTAS, _ENTRADA_MESA = aliased(Anotacion), aliased(Mesa)
_VACIO: ColumnElement[Any] = literal_column("'[]'::json")
_CAMPOS_NOTA = (
    "id", "expediente_id", "texto", "mesa_id", "organismo_id", "autor_id", "autor",
    "creado_en", "eliminada_en", "eliminada_por",
)  # fmt: skip


def _objeto(**campos: Any) -> ColumnElement[Any]:
    """`json_build_object('a', a, ...)`."""
    return func.json_build_object(*(x for par in campos.items() for x in par))


def _lista(objeto: ColumnElement[Any], *orden: Any) -> ColumnElement[Any]:
    """The JSON array of `objeto` over the rows, in `orden`; `[]` when there are none."""
    return func.coalesce(func.json_agg(aggregate_order_by(objeto, *orden)), _VACIO, type_=JSON)


_MESA_DE_ENTRADA = case(
    (Suceso.mesa_id.is_(None), null()),
    else_=_objeto(id=Suceso.mesa_id, nombre=_ENTRADA_MESA.nombre),
)
_ANOTACIONES = (
    select(
        _lista(
            _objeto(**{c: getattr(_NOTAS, c) for c in _CAMPOS_NOTA}), _NOTAS.creado_en, _NOTAS.id
        )
    )
    .where(
        _NOTAS.expediente_id == Expediente.id,
        _NOTAS.organismo_id == bindparam("organismo_id", type_=UUID(as_uuid=True)),
    )
    .correlate(Expediente)
    .scalar_subquery()
)
_HISTORIAL = (
    select(
        _lista(
            _objeto(
                en=Suceso.en,
                accion=Suceso.accion,
                usuario=Suceso.usuario,
                mesa=_MESA_DE_ENTRADA,
                detalle=Suceso.detalle,
            ),
            Suceso.en,
            Suceso.id,
        )
    )
    .select_from(Suceso)
    .outerjoin(_ENTRADA_MESA, _ENTRADA_MESA.id == Suceso.mesa_id)
    .where(Suceso.expediente_id == Expediente.id)
    .correlate(Expediente)
    .scalar_subquery()
)
# Built once, one round trip: the detail's row (`consulta._DETALLE`) with the notes of the
# reader's organismo and the timeline as JSON columns (three statements cost three times the
# driver's and SQLAlchemy's per-statement work, py-spy).
_COMPLETO = consulta._DETALLE.add_columns(
    _ANOTACIONES.label("anotaciones"), _HISTORIAL.label("historial")
)


@dataclass(frozen=True)
class Detalle:
    expediente: ExpedienteLeido
    anotaciones: list[dict[str, Any]]  # as `AnotacionOut` reads them
    historial: list[dict[str, Any]]  # as `SucesoOut` reads them


async def ver_detalle(db: AsyncSession, expediente_id: uuid.UUID, por: Usuario) -> Detalle:
    """What `GET /expedientes/{id}`, `/anotaciones` and `/historial` answer, under the
    detail's scope rule, in one statement and with one `expediente.ver` record naming the
    parts read."""
    accion = "expediente.ver"
    row = await consulta.fila_visible(
        db, _COMPLETO, expediente_id, por, accion, organismo_id=por.organismo_id
    )
    expediente = ExpedienteLeido.de(row)
    notas: list[dict[str, Any]] = row.anotaciones
    await audit.lectura(
        db,
        por,
        accion,
        f"expediente/{expediente.id}",
        expediente_id=expediente.id,
        detalle={"partes": list(PARTES), "anotaciones": len(notas)},
    )
    entradas = await historial.sin_reservados_ajenos(db, row.historial, por, _partes)
    return Detalle(expediente, notas, entradas)


def _partes(entrada: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return str(entrada["accion"]), entrada.get("detalle") or {}


MAX_RESUMENES = 200


async def resumenes(
    db: AsyncSession, expediente_ids: list[uuid.UUID], por: Usuario
) -> list[ExpedienteLeido]:
    """The expedientes of `expediente_ids` `por` may see (the others are simply absent), for
    a list another service answers (a desk's en-mesa through the gateway)."""
    if not expediente_ids:
        return []
    query = _TODOS.where(
        Expediente.id.in_(expediente_ids[:MAX_RESUMENES]), alcance.filtro(por, Custodia.mesas)
    )
    conexion = await db.connection()
    expedientes = [ExpedienteLeido.de(row) for row in (await conexion.execute(query)).all()]
    if context.parte_de.get() is None:  # else the list's own record covers it
        detalle = {"resultados": len(expedientes)}
        await audit.lectura(db, por, "expediente.buscar", "expedientes", detalle=detalle)
    return expedientes


_TODOS = leer_expedientes()
