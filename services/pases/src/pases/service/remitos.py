"""The remito on paper and its public verification: the PDF (sending and destination desks,
AUTORIDAD and ADMIN), and what anyone holding the paper may check through its QR code."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pases.copias import Dependencia, ExpedienteCopia, Mesa, Organismo
from pases.models import Pase, Remito, Tenencia
from pases.pdf import ItemImpreso, RemitoImpreso, remito_pdf
from pases.schemas_mesa import ItemVerificado, MesaRef, VerificacionOut
from sigexp_common import audit
from sigexp_common.alcance import RESERVADO
from sigexp_common.errors import DemasiadosIntentos, NoEncontrado
from sigexp_common.security import Usuario

RUTA_VERIFICACION = "/api/v1/remitos/verificar/"
NO_EXISTE = "El remito no existe."


def url_verificacion(url_publica: str, codigo: str) -> str:
    """What the remito's QR code encodes."""
    return url_publica.rstrip("/") + RUTA_VERIFICACION + codigo


@dataclass(frozen=True)
class _Item:
    pase: Pase
    referencia: str
    caracter: str
    extracto: str | None
    fojas: int | None
    tomos: int | None


async def _items(db: AsyncSession, remito_id: uuid.UUID) -> list[_Item]:
    """The remito's pases with each expediente's data (pases' copy, custody's as fallback)."""
    filas = await db.execute(
        select(Pase, Tenencia, ExpedienteCopia)
        .join(Tenencia, Tenencia.expediente_id == Pase.expediente_id)
        .outerjoin(ExpedienteCopia, ExpedienteCopia.expediente_id == Pase.expediente_id)
        .where(Pase.remito_id == remito_id)
        .order_by(Tenencia.referencia, Pase.id)
    )
    items = []
    for pase, tenencia, copia in filas.tuples():
        items.append(
            _Item(
                pase=pase,
                referencia=(copia.referencia if copia else None) or tenencia.referencia,
                caracter=(copia.caracter if copia else None) or tenencia.caracter,
                extracto=copia.extracto if copia else None,
                fojas=pase.fojas_esperadas if pase.fojas_esperadas is not None else tenencia.fojas,
                tomos=pase.tomos_esperados if pase.tomos_esperados is not None else tenencia.tomos,
            )
        )
    return items


async def _nombres(db: AsyncSession, remito: Remito) -> dict[uuid.UUID, Any]:
    """The desks, organismos and dependencia the remito names, by id (what pases has heard)."""
    ids = {remito.mesa_origen_id, remito.mesa_destino_id}
    mesas = {m.id: m for m in await db.scalars(select(Mesa).where(Mesa.id.in_(ids)))}
    organismos = {m.organismo_id for m in mesas.values()}
    if remito.organismo_destino_id:
        organismos.add(remito.organismo_destino_id)
    nombres: dict[uuid.UUID, Any] = dict(mesas)
    nombres.update(
        {o.id: o for o in await db.scalars(select(Organismo).where(Organismo.id.in_(organismos)))}
    )
    if remito.dependencia_id:
        dependencia = await db.get(Dependencia, remito.dependencia_id)
        if dependencia is not None:
            nombres[dependencia.id] = dependencia
    return nombres


def _puede_ver(por: Usuario, remito: Remito) -> bool:
    return por.ve_todo or por.mesa_id in (remito.mesa_origen_id, remito.mesa_destino_id)


async def pdf_del_remito(
    db: AsyncSession, remito_id: uuid.UUID, por: Usuario, url_publica: str
) -> tuple[Remito, bytes]:
    """The printable remito. Only its two desks, AUTORIDAD and ADMIN may print it; anyone
    else is answered as if it did not exist (recorded)."""
    accion, recurso = "remito.ver", f"remito/{remito_id}"
    remito = await db.get(Remito, remito_id)
    if remito is None or not _puede_ver(por, remito):
        raise audit.denegar(NoEncontrado(NO_EXISTE), por, accion, recurso)
    items = await _items(db, remito.id)
    nombres = await _nombres(db, remito)

    def nombre(id_: uuid.UUID | None) -> str | None:
        return nombres[id_].nombre if id_ in nombres else None

    origen = nombres.get(remito.mesa_origen_id)
    destino = nombres.get(remito.mesa_destino_id)
    impreso = RemitoImpreso(
        numero=remito.numero,
        anio=remito.anio,
        mesa_origen=nombre(remito.mesa_origen_id) or str(remito.mesa_origen_id),
        organismo_origen=nombre(origen.organismo_id) if origen else None,
        mesa_destino=nombre(remito.mesa_destino_id) or str(remito.mesa_destino_id),
        organismo_destino=nombre(remito.organismo_destino_id)
        or (nombre(destino.organismo_id) if destino else None),
        dependencia=nombre(remito.dependencia_id),
        emitido_por=remito.emitido_por,
        emitido_en=remito.emitido_en,
        url_verificacion=url_verificacion(url_publica, remito.codigo_verificacion),
        items=[
            ItemImpreso(
                referencia=i.referencia,
                extracto=RESERVADO if i.caracter == RESERVADO else (i.extracto or ""),
                fojas=i.fojas,
                tomos=i.tomos,
            )
            for i in items
        ],
    )
    await audit.lectura(db, por, accion, recurso, detalle={"expedientes": len(items)})
    return remito, await asyncio.to_thread(remito_pdf, impreso)


class LimitePorDireccion:
    """At most `por_minuto` requests per client address in a sliding minute (this process)."""

    def __init__(self, por_minuto: int) -> None:
        self.por_minuto = por_minuto
        self._vistas: dict[str, deque[float]] = {}

    def exigir(self, direccion: str | None) -> None:
        ahora = time.monotonic()
        if len(self._vistas) > 10_000:  # forget idle addresses
            self._vistas = {k: v for k, v in self._vistas.items() if v and v[-1] > ahora - 60}
        vistas = self._vistas.setdefault(direccion or "-", deque())
        while vistas and vistas[0] <= ahora - 60:
            vistas.popleft()
        if len(vistas) >= self.por_minuto:
            espera = int(vistas[0] + 60 - ahora) + 1
            raise DemasiadosIntentos(
                "Demasiadas verificaciones desde su dirección; intente en un minuto.",
                retry_after=espera,
            )
        vistas.append(ahora)


async def verificar_remito(db: AsyncSession, codigo: str) -> VerificacionOut:
    """What the remito with this code lists and whether each item was received: public (the
    caller's address is recorded), no observaciones, no RESERVADO extract. The code is an
    unguessable token looked up by its unique index; an unknown one is 404 (recorded)."""
    accion = "remito.verificar"
    remito = None
    if 10 <= len(codigo) <= 64:
        remito = await db.scalar(select(Remito).where(Remito.codigo_verificacion == codigo))
    if remito is None:
        raise audit.denegar(NoEncontrado(NO_EXISTE), None, accion, "remito/desconocido")
    items = await _items(db, remito.id)
    nombres = await _nombres(db, remito)

    def mesa(id_: uuid.UUID) -> MesaRef:
        return MesaRef(id=id_, nombre=nombres[id_].nombre if id_ in nombres else None)

    verificados = [
        ItemVerificado(
            referencia=i.referencia,
            extracto=None if i.caracter == RESERVADO else i.extracto,
            fojas=i.fojas,
            tomos=i.tomos,
            estado=i.pase.estado,
            recibido=i.pase.recibido_en is not None,
            recibido_en=i.pase.recibido_en,
        )
        for i in items
    ]
    await audit.lectura(db, None, accion, f"remito/{remito.id}")  # with the caller's address
    return VerificacionOut(
        numero=remito.numero,
        anio=remito.anio,
        emitido_en=remito.emitido_en,
        emitido_por=remito.emitido_por,
        mesa_origen=mesa(remito.mesa_origen_id),
        mesa_destino=mesa(remito.mesa_destino_id),
        cantidad=len(verificados),
        recibidos=sum(1 for v in verificados if v.recibido),
        items=verificados,
    )
