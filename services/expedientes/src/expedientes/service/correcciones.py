"""Corrections of the fojas/tomos count: the desk holding an expediente (received, ESCRITURA)
files the counted values with a reason and optionally the archivo of a scanned memo; ADMIN
approves (the count changes, downwards too: old and new values in `cambios` and the timeline,
`sigexp.expediente.actualizado.v1`) or rejects with a reason (nothing changes). A plain edit
still never lowers fojas (`edicion._sin_bajar`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from expedientes.events_acciones import Cambio
from expedientes.models import Ciclo, Expediente
from expedientes.models_acciones import Suceso
from expedientes.models_conexos import Correccion
from expedientes.schemas import DecisionIn
from expedientes.schemas_conexos import CorreccionIn, EstadoCorreccion
from expedientes.service import acceso, edicion, historial, solicitudes
from sigexp_common import audit
from sigexp_common.envelope import utcnow
from sigexp_common.errors import CampoInvalido, Conflicto, DatoInvalido, NoEncontrado
from sigexp_common.ids import uuid7
from sigexp_common.security import Usuario

CORREGIR, APROBAR, RECHAZAR = "expediente.corregir", "correccion.aprobar", "correccion.rechazar"
LISTAR = "correccion.listar"
QUE = "pedir la corrección de fojas o tomos"
CAMPOS = ("fojas", "tomos")


@dataclass(frozen=True)
class Solicitud:
    """A correction as the API answers it: the row and its expediente's referencia."""

    fila: Correccion
    referencia: str


async def solicitar_correccion(
    db: AsyncSession, expediente_id: uuid.UUID, datos: CorreccionIn, por: Usuario
) -> Solicitud:
    expediente = await acceso.expediente_para(
        db, expediente_id, por, CORREGIR, QUE, bloquear=True, para_actuar=True
    )
    acceso.exigir_perfil(por, CORREGIR, expediente.id)
    acceso.exigir_tenencia(por, expediente, CORREGIR, QUE)
    assert por.mesa_id is not None  # exigir_tenencia: the user's desk holds it
    if all(getattr(datos, c) in (None, getattr(expediente, c)) for c in CAMPOS):
        raise DatoInvalido(
            "Los valores contados coinciden con los registrados: no hay nada que corregir.",
            [
                CampoInvalido(c, f"Ya es {getattr(expediente, c)}.")
                for c in CAMPOS
                if getattr(datos, c) is not None
            ],
        )
    if datos.archivo_id is not None and not await _es_archivo_del_expediente(
        db, expediente.id, datos.archivo_id
    ):
        raise DatoInvalido(
            "El archivo indicado no es un documento de este expediente.",
            [CampoInvalido("archivo_id", "Adjunte primero el memo escaneado al expediente.")],
        )
    if await db.scalar(_pendiente_de(expediente.id)) is not None:
        raise acceso.denegar(
            Conflicto("Ya hay una corrección de fojas o tomos pendiente para este expediente."),
            por,
            CORREGIR,
            expediente.id,
        )
    correccion = Correccion(
        id=uuid7(),
        expediente_id=expediente.id,
        fojas_anterior=expediente.fojas,
        fojas=datos.fojas,
        tomos_anterior=expediente.tomos,
        tomos=datos.tomos,
        motivo=datos.motivo,
        archivo_id=datos.archivo_id,
        estado=EstadoCorreccion.PENDIENTE.value,
        solicitada_en=utcnow(),
        solicitada_por_id=por.id,
        solicitada_por=por.usuario,
        mesa_id=por.mesa_id,
    )
    db.add(correccion)
    historial.anotar(
        db,
        expediente.id,
        "correccion.solicitada",
        por,
        _detalle(correccion),
        correccion.solicitada_en,
    )
    audit.registrar(
        db,
        por,
        CORREGIR,
        f"correccion/{correccion.id}",
        expediente_id=expediente.id,
        detalle={c: getattr(datos, c) for c in (*CAMPOS, "motivo")},
    )
    return Solicitud(correccion, expediente.referencia)


async def listar_del_expediente(
    db: AsyncSession, expediente_id: uuid.UUID, por: Usuario
) -> list[Solicitud]:
    """The corrections asked for one expediente (the detail's scope rule), oldest first."""
    accion = "correccion.listar_del_expediente"
    expediente = await acceso.expediente_para(db, expediente_id, por, accion)
    filas = await db.scalars(
        select(Correccion)
        .where(Correccion.expediente_id == expediente.id)
        .order_by(Correccion.solicitada_en, Correccion.id)
    )
    items = [Solicitud(c, expediente.referencia) for c in filas]
    await audit.lectura(db, por, accion, f"expediente/{expediente.id}", expediente_id=expediente.id)
    return items


async def listar_correcciones(
    db: AsyncSession,
    estado: EstadoCorreccion | None,
    limit: int,
    cursor: str | None,
    por: Usuario,
) -> tuple[list[Solicitud], str | None]:
    """ADMIN's list, oldest first (the next to decide on top), paged by a keyset cursor."""
    pares, siguiente = await solicitudes.pagina(
        db, Correccion, estado.value if estado else None, limit, cursor
    )
    filas = [Solicitud(fila, referencia) for fila, referencia in pares]
    await audit.lectura(
        db,
        por,
        LISTAR,
        "correcciones",
        detalle={"estado": estado.value if estado else None, "resultados": len(filas)},
    )
    return filas, siguiente


async def aprobar_correccion(
    db: AsyncSession, correccion_id: uuid.UUID, datos: DecisionIn, por: Usuario
) -> Solicitud:
    """The counted values replace the current ones (whatever pases added meanwhile: ADMIN
    approves what the desk counted), a new version, published whole."""
    correccion, expediente = await _pendiente(db, correccion_id, por, APROBAR)
    if expediente.ciclo == Ciclo.ANULADO:
        raise acceso.denegar(
            Conflicto("El expediente está anulado: no se corrigen sus fojas ni sus tomos."),
            por,
            APROBAR,
            expediente.id,
        )
    _decidir(correccion, EstadoCorreccion.APROBADA, datos.motivo, por)
    correccion.fojas_anterior, correccion.tomos_anterior = expediente.fojas, expediente.tomos
    cambios = [
        Cambio(campo=c, antes=getattr(expediente, c), despues=getattr(correccion, c))
        for c in CAMPOS
        if getattr(correccion, c) is not None and getattr(correccion, c) != getattr(expediente, c)
    ]
    if cambios:
        edicion.aplicar(db, expediente, cambios, por, anotar=False)
    historial.anotar(
        db, expediente.id, "correccion.aprobada", por, _detalle(correccion), correccion.decidida_en
    )
    audit.registrar(
        db,
        por,
        APROBAR,
        f"correccion/{correccion.id}",
        expediente_id=expediente.id,
        detalle={"cambios": [c.model_dump() for c in cambios], "motivo": datos.motivo},
    )
    return Solicitud(correccion, expediente.referencia)


async def rechazar_correccion(
    db: AsyncSession, correccion_id: uuid.UUID, datos: DecisionIn, por: Usuario
) -> Solicitud:
    if not datos.motivo:
        raise DatoInvalido(
            "Indique por qué se rechaza la corrección.",
            [CampoInvalido("motivo", "Es obligatorio para rechazar.")],
        )
    correccion, expediente = await _pendiente(db, correccion_id, por, RECHAZAR)
    _decidir(correccion, EstadoCorreccion.RECHAZADA, datos.motivo, por)
    historial.anotar(
        db, expediente.id, "correccion.rechazada", por, _detalle(correccion), correccion.decidida_en
    )
    audit.registrar(
        db,
        por,
        RECHAZAR,
        f"correccion/{correccion.id}",
        expediente_id=expediente.id,
        detalle={"motivo": datos.motivo},
    )
    return Solicitud(correccion, expediente.referencia)


def _pendiente_de(expediente_id: uuid.UUID):  # type: ignore[no-untyped-def]
    return select(Correccion.id).where(
        Correccion.expediente_id == expediente_id,
        Correccion.estado == EstadoCorreccion.PENDIENTE.value,
    )


async def _es_archivo_del_expediente(
    db: AsyncSession, expediente_id: uuid.UUID, archivo_id: uuid.UUID
) -> bool:
    """The archivo was attached to this expediente (as archivos told) and not removed."""
    origenes = set(
        await db.scalars(
            select(Suceso.accion).where(
                Suceso.expediente_id == expediente_id,
                Suceso.detalle["archivo_id"].astext == str(archivo_id),
            )
        )
    )
    return bool(origenes & {"archivo.adjuntado", "archivo.reemplazado"}) and (
        "archivo.eliminado" not in origenes
    )


async def _pendiente(
    db: AsyncSession, correccion_id: uuid.UUID, por: Usuario, accion: str
) -> tuple[Correccion, Expediente]:
    """The pending correction and its expediente, both locked until the decision commits."""
    correccion = await db.scalar(
        select(Correccion).where(Correccion.id == correccion_id).with_for_update()
    )
    if correccion is None:
        raise audit.denegar(
            NoEncontrado("La corrección no existe."), por, accion, f"correccion/{correccion_id}"
        )
    expediente = await db.scalar(
        select(Expediente)
        .where(Expediente.id == correccion.expediente_id)
        .with_for_update(of=Expediente)
    )
    assert expediente is not None  # a correction is asked of an existing expediente
    if correccion.estado != EstadoCorreccion.PENDIENTE:
        decidida = "aprobada" if correccion.estado == EstadoCorreccion.APROBADA else "rechazada"
        raise acceso.denegar(
            Conflicto(f"La corrección ya fue {decidida}."), por, accion, expediente.id
        )
    return correccion, expediente


def _decidir(
    correccion: Correccion, estado: EstadoCorreccion, motivo: str | None, por: Usuario
) -> None:
    correccion.estado = estado.value
    correccion.decidida_en = utcnow()
    correccion.decidida_por_id = por.id
    correccion.decidida_por = por.usuario
    correccion.motivo_decision = motivo


def _detalle(c: Correccion) -> dict[str, object]:
    """A correction's timeline entry: old and new values, the reason, the memo, the decision."""
    return {
        "correccion_id": str(c.id),
        "fojas": {"antes": c.fojas_anterior, "despues": c.fojas},
        "tomos": {"antes": c.tomos_anterior, "despues": c.tomos},
        "motivo": c.motivo,
        "archivo_id": str(c.archivo_id) if c.archivo_id else None,
        "motivo_decision": c.motivo_decision,
    }
