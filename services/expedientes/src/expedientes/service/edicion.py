"""Editing an expediente and its lifecycle (EN_TRAMITE, EN_REVISION, ARCHIVADO), by the desk
that holds it: every change keeps its old and new value and publishes the whole expediente."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from expedientes import catalogo
from expedientes.events_acciones import Cambio, ExpedienteActualizado
from expedientes.models import Ciclo, Expediente
from expedientes.models_acciones import Cambio as CambioFila
from expedientes.schemas import EdicionIn
from expedientes.service import acceso, historial
from sigexp_common import audit, outbox
from sigexp_common.envelope import utcnow
from sigexp_common.errors import CampoInvalido, Conflicto, DatoInvalido
from sigexp_common.ids import uuid7
from sigexp_common.security import Usuario

ACCION = "expediente.editar"
QUE = "modificarlo"


async def editar_expediente(
    db: AsyncSession, expediente_id: uuid.UUID, datos: EdicionIn, por: Usuario
) -> Expediente:
    """The holding desk changes data and lifecycle; fojas and tomos never decrease here."""
    expediente = await acceso.expediente_para(
        db, expediente_id, por, ACCION, QUE, bloquear=True, para_actuar=True
    )
    acceso.exigir_perfil(por, ACCION, expediente.id)
    acceso.exigir_tenencia(por, expediente, ACCION, QUE)
    pedidos = datos.pedidos()
    ciclo = pedidos.pop("estado", None)
    cambios = [
        Cambio(campo=campo, antes=getattr(expediente, campo), despues=valor)
        for campo, valor in pedidos.items()
        if getattr(expediente, campo) != valor
    ]
    if cambios and expediente.ciclo == Ciclo.ARCHIVADO and ciclo != Ciclo.EN_TRAMITE:
        raise acceso.denegar(
            Conflicto(
                "El expediente está archivado: reábralo (estado EN_TRAMITE) para modificar "
                "sus datos."
            ),
            por,
            ACCION,
            expediente.id,
        )
    _sin_bajar(expediente, pedidos)
    if "tipo" in pedidos and pedidos["tipo"] != expediente.tipo:
        await catalogo.exigir_tipo(db, pedidos["tipo"])
    if ciclo is not None and ciclo != expediente.ciclo:
        cambios.append(Cambio(campo="estado", antes=expediente.ciclo, despues=ciclo))
    if cambios:
        aplicar(db, expediente, cambios, por)
    audit.registrar(
        db,
        por,
        ACCION,
        f"expediente/{expediente.id}",
        expediente_id=expediente.id,
        detalle={"cambios": [c.model_dump() for c in cambios]},
    )
    return expediente


def _sin_bajar(expediente: Expediente, pedidos: dict[str, Any]) -> None:
    """Fojas and tomos only grow by an edit (downwards: a correction, `service/correcciones.py`)."""
    errores = [
        CampoInvalido(campo, f"No puede ser menor que el actual ({getattr(expediente, campo)}).")
        for campo in ("fojas", "tomos")
        if campo in pedidos and pedidos[campo] < getattr(expediente, campo)
    ]
    if errores:
        raise DatoInvalido("Las fojas y los tomos de un expediente no disminuyen.", errores)


def aplicar(
    db: AsyncSession,
    expediente: Expediente,
    cambios: list[Cambio],
    por: Usuario,
    *,
    anotar: bool = True,
) -> None:
    """Apply `cambios`, keep each one's old and new value, bump the version, tell the bus
    (`anotar=False`: the caller writes the timeline entry, as an approved correction does)."""
    en = utcnow()
    for cambio in cambios:
        setattr(expediente, "ciclo" if cambio.campo == "estado" else cambio.campo, cambio.despues)
    expediente.version += 1
    for cambio in cambios:
        db.add(
            CambioFila(
                id=uuid7(),
                expediente_id=expediente.id,
                version=expediente.version,
                en=en,
                usuario_id=por.id,
                usuario=por.usuario,
                mesa_id=por.mesa_id,
                **cambio.model_dump(),
            )
        )
    datos = [c.model_dump() for c in cambios if c.campo != "estado"]
    if datos and anotar:
        historial.anotar(db, expediente.id, "expediente.editado", por, {"cambios": datos}, en)
    for cambio in cambios:
        if cambio.campo == "estado":
            detalle = {"antes": cambio.antes, "despues": cambio.despues}
            historial.anotar(db, expediente.id, "expediente.estado_cambiado", por, detalle, en)
    outbox.add(db, ExpedienteActualizado.from_expediente(expediente, cambios, por))
