"""The expediente's own share of the detail the gateway composes: the expediente, the notes its
reader may see and its timeline, read in one request and recorded as one read."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from expedientes.models import Custodia, Expediente, ExpedienteLeido, leer_expedientes
from expedientes.models_acciones import Anotacion
from expedientes.service import anotaciones, consulta, historial
from sigexp_common import alcance, audit, context
from sigexp_common.security import Usuario

PARTES = ("expediente", "anotaciones", "historial")


@dataclass(frozen=True)
class Detalle:
    expediente: ExpedienteLeido
    anotaciones: list[Anotacion]
    historial: list[historial.Entrada]


async def ver_detalle(db: AsyncSession, expediente_id: uuid.UUID, por: Usuario) -> Detalle:
    """What `GET /expedientes/{id}`, `/anotaciones` and `/historial` answer, under the
    detail's scope rule, with one `expediente.ver` record naming the parts read."""
    accion = "expediente.ver"
    expediente = await consulta.leer_expediente(db, expediente_id, por, accion)
    notas = await anotaciones.anotaciones_de(db, expediente.id, por)
    entradas = await historial.entradas_de(db, expediente.id)
    await audit.lectura(
        db,
        por,
        accion,
        f"expediente/{expediente.id}",
        expediente_id=expediente.id,
        detalle={"partes": list(PARTES), "anotaciones": len(notas)},
    )
    return Detalle(expediente, notas, entradas)


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
