"""At the destination desk: receiving a pase (one, or many at once by id or by a scanned code)
and rejecting it back to the sender."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pases.events import CustodiaActualizada, PaseRechazado, PaseRecibido
from pases.models import PENDIENTE, Pase, Remito, Tenencia
from pases.schemas import ItemRecepcionIn, RecepcionIn, RechazoIn
from pases.service import acompanantes
from sigexp_common import audit, outbox
from sigexp_common.envelope import utcnow
from sigexp_common.errors import Conflicto, DatoInvalido, ErrorDominio, NoEncontrado
from sigexp_common.security import Usuario

RECIBIR, RECHAZAR = "pase.recibir", "pase.rechazar"
CODIGO_CARATULA = "SIGEXP:EXP:"  # the carátula's QR: SIGEXP:EXP:{expediente_id}
RUTA_VERIFICACION = "/remitos/verificar/"  # a remito's QR: {base}/api/v1/remitos/verificar/{codigo}
NO_EXISTE = "El pase no existe."


async def recibir_pase(
    db: AsyncSession, pase_id: uuid.UUID, datos: RecepcionIn, por: Usuario
) -> Pase:
    """The destination desk has the paper: it holds the expediente now. Counts that differ
    from the expected ones are recorded as `discrepancia`; the reception goes through."""
    pase, tenencia = await _pase_de_la_mesa(db, pase_id, por, RECIBIR)
    await _recibir(db, pase, tenencia, datos.fojas, datos.tomos, por)
    return pase


@dataclass
class Resultado:
    """One item of a bulk reception: the pases it received, or the refusal's status and detail."""

    item: ItemRecepcionIn
    status: int = 200
    detail: str | None = None
    pases: list[Pase] = field(default_factory=list)


async def recibir_varios(
    db: AsyncSession, items: list[ItemRecepcionIn], por: Usuario
) -> list[Resultado]:
    """Each item on its own (a savepoint each): one that cannot be received is answered with
    its reason (and recorded) while the others go through."""
    resultados: list[Resultado] = []
    for item in items:
        try:
            async with db.begin_nested():
                pases = await _recibir_item(db, item, por)
        except ErrorDominio as error:
            if error.registro is not None:  # the refusal's record, kept with the others' work
                outbox.add(db, error.registro)
                error.registrado = True
            resultados.append(Resultado(item, error.status, error.detail))
        else:
            resultados.append(Resultado(item, pases=pases))
    return resultados


async def rechazar_pase(
    db: AsyncSession, pase_id: uuid.UUID, datos: RechazoIn, por: Usuario
) -> Pase:
    """The destination refuses it on arrival: custody returns to the sender as it held it (the
    expedientes accumulated into it that travel with it too)."""
    pase, tenencia = await _pase_de_la_mesa(db, pase_id, por, RECHAZAR)
    _exigir_propio(pase, por, RECHAZAR, "rechaza")
    en = utcnow()
    for uno, suya in [(pase, tenencia), *await acompanantes.pases_de(db, pase)]:
        try:
            uno.rechazar(en, por.usuario, datos.motivo)
            suya.devolver(uno, en, habia_sido_recibido=False)
        except Conflicto as error:
            raise _denegar(error, por, RECHAZAR, uno) from None
        outbox.add(db, CustodiaActualizada.de(suya))
        outbox.add(db, PaseRechazado.de(uno, suya, por))
        audit.registrar(
            db,
            por,
            RECHAZAR,
            f"pase/{uno.id}",
            expediente_id=uno.expediente_id,
            detalle={"motivo": datos.motivo},
        )
    return pase


async def _recibir(
    db: AsyncSession,
    pase: Pase,
    tenencia: Tenencia,
    fojas: int | None,
    tomos: int | None,
    por: Usuario,
) -> None:
    """The pase received, and those of the expedientes accumulated into it that travel with
    it (their counts are not asked: the desk counts the principal)."""
    _exigir_propio(pase, por, RECIBIR, "recibe")
    juntos = [(p, t, None, None) for p, t in await acompanantes.pases_de(db, pase)]
    en = utcnow()
    for uno, suya, contadas, tomos_contados in [(pase, tenencia, fojas, tomos), *juntos]:
        try:
            uno.recibir(en, por.usuario, por.id, contadas, tomos_contados)
            suya.recibir(uno)
        except Conflicto as error:
            raise _denegar(error, por, RECIBIR, uno) from None
        outbox.add(db, CustodiaActualizada.de(suya))
        outbox.add(db, PaseRecibido.de(uno, suya, por))
        audit.registrar(
            db,
            por,
            RECIBIR,
            f"pase/{uno.id}",
            expediente_id=uno.expediente_id,
            detalle={"discrepancia": uno.discrepancia} if uno.discrepancia else None,
        )


def _exigir_propio(pase: Pase, por: Usuario, accion: str, que: str) -> None:
    """An accumulated expediente's pase follows its principal's: never on its own (409)."""
    motivo = acompanantes.motivo_si_es_acompanante(pase, que)
    if motivo is not None:
        raise _denegar(Conflicto(motivo), por, accion, pase)


async def _recibir_item(db: AsyncSession, item: ItemRecepcionIn, por: Usuario) -> list[Pase]:
    if item.pase_id is not None:
        return [await recibir_pase(db, item.pase_id, item, por)]
    assert item.codigo is not None
    codigo = item.codigo.strip()
    if codigo.upper().startswith(CODIGO_CARATULA):
        pase_id = await _pendiente_del_expediente(db, codigo[len(CODIGO_CARATULA) :], por)
        return [await recibir_pase(db, pase_id, item, por)]
    if item.fojas is not None or item.tomos is not None:
        raise DatoInvalido(
            "Con el código de un remito no se indican fojas ni tomos: reciba cada pase por "
            "separado para contarlos."
        )
    pares = await bloquear_varios(db, await _pendientes_del_remito(db, codigo, por))
    recibidos = []
    for pase, tenencia in pares:
        await _recibir(db, pase, tenencia, None, None, por)
        recibidos += [pase, *(p for p, _ in await acompanantes.pases_de(db, pase))]
    return recibidos


async def _pendiente_del_expediente(db: AsyncSession, texto: str, por: Usuario) -> uuid.UUID:
    """The pending pase to the user's desk of the expediente a carátula names."""
    try:
        expediente_id = uuid.UUID(texto.strip())
    except ValueError:
        raise DatoInvalido("El código de carátula no nombra un expediente válido.") from None
    pase_id = await db.scalar(
        select(Pase.id).where(
            Pase.expediente_id == expediente_id,
            Pase.mesa_destino_id == por.mesa_id,
            Pase.estado == PENDIENTE,
        )
    )
    if pase_id is None:
        raise audit.denegar(
            NoEncontrado("No hay un pase pendiente de ese expediente para su mesa."),
            por,
            RECIBIR,
            f"expediente/{expediente_id}",
            expediente_id=expediente_id,
        )
    return pase_id


async def _pendientes_del_remito(db: AsyncSession, codigo: str, por: Usuario) -> list[uuid.UUID]:
    """Every pending pase to the user's desk of the remito a code (or its verification URL)
    names."""
    if RUTA_VERIFICACION in codigo:
        codigo = codigo.split(RUTA_VERIFICACION, 1)[1].split("?", 1)[0].strip("/")
    remito = await db.scalar(select(Remito).where(Remito.codigo_verificacion == codigo))
    if remito is None or remito.mesa_destino_id != por.mesa_id:
        raise audit.denegar(
            NoEncontrado("El código no es de un remito dirigido a su mesa."),
            por,
            RECIBIR,
            f"remito/{remito.id}" if remito else "remito",
        )
    ids = list(
        await db.scalars(
            select(Pase.id).where(
                Pase.remito_id == remito.id,
                Pase.estado == PENDIENTE,
                Pase.pase_principal_id.is_(None),  # accumulated ones come with their principal
            )
        )
    )
    if not ids:
        raise audit.denegar(
            Conflicto("Los expedientes de ese remito ya fueron recibidos o rechazados."),
            por,
            RECIBIR,
            f"remito/{remito.id}",
        )
    return ids


async def _pase_de_la_mesa(
    db: AsyncSession, pase_id: uuid.UUID, por: Usuario, accion: str
) -> tuple[Pase, Tenencia]:
    """A pase to the user's desk (any other answers as a missing one: 404) with its
    expediente's custody, both locked."""
    expediente_id = await db.scalar(
        select(Pase.expediente_id).where(Pase.id == pase_id, Pase.mesa_destino_id == por.mesa_id)
    )
    if expediente_id is None:
        raise audit.denegar(NoEncontrado(NO_EXISTE), por, accion, f"pase/{pase_id}")
    return await bloquear(db, pase_id)


async def bloquear(db: AsyncSession, pase_id: uuid.UUID) -> tuple[Pase, Tenencia]:
    """A pase and its expediente's custody, locked until the transaction ends."""
    ((pase, tenencia),) = await bloquear_varios(db, [pase_id])
    return pase, tenencia


async def bloquear_varios(
    db: AsyncSession, pase_ids: list[uuid.UUID]
) -> list[tuple[Pase, Tenencia]]:
    """Pases with their expedientes' custody, locked in one statement, in expediente order (the
    order every envío locks custody in, so none of them waits for the other in a cycle). The
    pases of accumulated expedientes that travel with them are locked in the same statement
    (`acompanantes.pases_de` reads them then), but not returned."""
    rows = await db.execute(
        select(Pase, Tenencia)
        .join(Tenencia, Tenencia.expediente_id == Pase.expediente_id)
        .where(or_(Pase.id.in_(pase_ids), Pase.pase_principal_id.in_(pase_ids)))
        .order_by(Tenencia.expediente_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    pedidos = set(pase_ids)
    return [(row.Pase, row.Tenencia) for row in rows if row.Pase.id in pedidos]


def _denegar(error: ErrorDominio, por: Usuario, accion: str, pase: Pase) -> ErrorDominio:
    return audit.denegar(error, por, accion, f"pase/{pase.id}", expediente_id=pase.expediente_id)
