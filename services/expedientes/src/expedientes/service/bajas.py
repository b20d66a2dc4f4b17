"""Deletion requests: the desk holding an expediente (received, with ESCRITURA) asks with a
reason; ADMIN approves (the expediente becomes ANULADO: still visible and searchable, never
removed, nothing edited or sent afterwards) or rejects with a reason. Nothing deletes it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from expedientes.events_acciones import Actor, ExpedienteAnulado
from expedientes.models import Ciclo, Expediente
from expedientes.models_acciones import Cambio, EstadoSolicitud, SolicitudBaja
from expedientes.schemas import DecisionIn, SolicitudBajaIn
from expedientes.service import acceso, historial, solicitudes
from sigexp_common import audit, outbox
from sigexp_common.envelope import utcnow
from sigexp_common.errors import CampoInvalido, Conflicto, DatoInvalido, NoEncontrado
from sigexp_common.ids import uuid7
from sigexp_common.security import Usuario


@dataclass(frozen=True)
class Solicitud:
    """A request as the API answers it: the row and its expediente's referencia."""

    fila: SolicitudBaja
    referencia: str


async def solicitar_baja(
    db: AsyncSession, expediente_id: uuid.UUID, datos: SolicitudBajaIn, por: Usuario
) -> Solicitud:
    accion, que = "baja.solicitar", "pedir su baja"
    expediente = await acceso.expediente_para(
        db, expediente_id, por, accion, que, bloquear=True, para_actuar=True
    )
    acceso.exigir_perfil(por, accion, expediente.id)
    acceso.exigir_tenencia(por, expediente, accion, que)
    assert por.mesa_id is not None  # exigir_tenencia: the user's desk holds it
    pendiente = await db.scalar(
        select(SolicitudBaja.id).where(
            SolicitudBaja.expediente_id == expediente.id,
            SolicitudBaja.estado == EstadoSolicitud.PENDIENTE,
        )
    )
    if pendiente is not None:
        raise acceso.denegar(
            Conflicto("Ya hay una solicitud de baja pendiente para este expediente."),
            por,
            accion,
            expediente.id,
        )
    solicitud = SolicitudBaja(
        id=uuid7(),
        expediente_id=expediente.id,
        motivo=datos.motivo,
        estado=EstadoSolicitud.PENDIENTE.value,
        solicitada_en=utcnow(),
        solicitada_por_id=por.id,
        solicitada_por=por.usuario,
        mesa_id=por.mesa_id,
    )
    db.add(solicitud)
    detalle = {"solicitud_id": str(solicitud.id), "motivo": solicitud.motivo}
    historial.anotar(db, expediente.id, "baja.solicitada", por, detalle, solicitud.solicitada_en)
    audit.registrar(db, por, accion, f"solicitud-baja/{solicitud.id}", expediente_id=expediente.id)
    return Solicitud(solicitud, expediente.referencia)


async def listar_solicitudes(
    db: AsyncSession,
    estado: EstadoSolicitud | None,
    limit: int,
    cursor: str | None,
    por: Usuario,
) -> tuple[list[Solicitud], str | None]:
    """ADMIN's list, oldest first (the next to decide on top), paged by a keyset cursor."""
    pares, siguiente = await solicitudes.pagina(
        db, SolicitudBaja, estado.value if estado else None, limit, cursor
    )
    filas = [Solicitud(fila, referencia) for fila, referencia in pares]
    await audit.lectura(
        db,
        por,
        "baja.listar",
        "solicitudes-baja",
        detalle={"estado": estado.value if estado else None, "resultados": len(filas)},
    )
    return filas, siguiente


async def aprobar_baja(
    db: AsyncSession, solicitud_id: uuid.UUID, datos: DecisionIn, por: Usuario
) -> Solicitud:
    solicitud, expediente = await _pendiente(db, solicitud_id, por, "baja.aprobar")
    _decidir(solicitud, EstadoSolicitud.APROBADA, datos.motivo, por)
    anterior = expediente.ciclo
    expediente.ciclo = Ciclo.ANULADO.value
    expediente.version += 1
    db.add(
        Cambio(
            id=uuid7(),
            expediente_id=expediente.id,
            version=expediente.version,
            campo="estado",
            antes=anterior,
            despues=expediente.ciclo,
            en=solicitud.decidida_en,
            usuario_id=por.id,
            usuario=por.usuario,
            mesa_id=por.mesa_id,
        )
    )
    _anotar_decision(db, solicitud, "baja.aprobada", por, {"antes": anterior})
    outbox.add(
        db,
        ExpedienteAnulado(
            **Actor.de(por),
            expediente_id=expediente.id,
            referencia=expediente.referencia,
            solicitud_id=solicitud.id,
            motivo=solicitud.motivo,
            version=expediente.version,
        ),
    )
    audit.registrar(
        db, por, "baja.aprobar", f"solicitud-baja/{solicitud.id}", expediente_id=expediente.id
    )
    return Solicitud(solicitud, expediente.referencia)


async def rechazar_baja(
    db: AsyncSession, solicitud_id: uuid.UUID, datos: DecisionIn, por: Usuario
) -> Solicitud:
    if not datos.motivo:
        raise DatoInvalido(
            "Indique por qué se rechaza la solicitud de baja.",
            [CampoInvalido("motivo", "Es obligatorio para rechazar.")],
        )
    solicitud, expediente = await _pendiente(db, solicitud_id, por, "baja.rechazar")
    _decidir(solicitud, EstadoSolicitud.RECHAZADA, datos.motivo, por)
    _anotar_decision(db, solicitud, "baja.rechazada", por, {})
    audit.registrar(
        db, por, "baja.rechazar", f"solicitud-baja/{solicitud.id}", expediente_id=expediente.id
    )
    return Solicitud(solicitud, expediente.referencia)


async def _pendiente(
    db: AsyncSession, solicitud_id: uuid.UUID, por: Usuario, accion: str
) -> tuple[SolicitudBaja, Expediente]:
    """The pending request and its expediente, both locked until the decision commits."""
    solicitud = await db.scalar(
        select(SolicitudBaja).where(SolicitudBaja.id == solicitud_id).with_for_update()
    )
    if solicitud is None:
        raise NoEncontrado("La solicitud de baja no existe.")
    expediente = await db.scalar(
        select(Expediente)
        .where(Expediente.id == solicitud.expediente_id)
        .with_for_update(of=Expediente)
    )
    assert expediente is not None  # a request is made on an existing expediente
    if solicitud.estado != EstadoSolicitud.PENDIENTE:
        decidida = "aprobada" if solicitud.estado == EstadoSolicitud.APROBADA else "rechazada"
        raise acceso.denegar(
            Conflicto(f"La solicitud de baja ya fue {decidida}."), por, accion, expediente.id
        )
    return solicitud, expediente


def _decidir(
    solicitud: SolicitudBaja, estado: EstadoSolicitud, motivo: str | None, por: Usuario
) -> None:
    solicitud.estado = estado.value
    solicitud.decidida_en = utcnow()
    solicitud.decidida_por_id = por.id
    solicitud.decidida_por = por.usuario
    solicitud.motivo_decision = motivo


def _anotar_decision(
    db: AsyncSession,
    solicitud: SolicitudBaja,
    accion: str,
    por: Usuario,
    extra: dict[str, object],
) -> None:
    detalle = {
        "solicitud_id": str(solicitud.id),
        "motivo": solicitud.motivo,
        "motivo_decision": solicitud.motivo_decision,
        **extra,
    }
    decidida: datetime | None = solicitud.decidida_en
    historial.anotar(db, solicitud.expediente_id, accion, por, detalle, decidida)
