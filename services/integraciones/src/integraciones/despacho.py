"""The loops beside the relay (`ServiceSpec.deliveries`): the public stream and the
deliveries integraciones makes itself.

- `sigexp.publico`: archived events not yet published go out in `seq` order, one publisher at
  a time (an advisory lock), each marked as its confirm arrives.
- Deliveries (webhooks, queues filtered by organismo, replays): per subscriber in `seq`
  order, the subscriber's row locked while its batch goes out, so two processes never send
  one subscriber's events at once. A failure stops that subscriber's batch (nothing later is
  sent before it, so order holds) and postpones it with exponential backoff; a delivery that
  keeps failing past the term (24 h) is parked and the next one is tried.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from integraciones.models import Canal, Entrega, EstadoEntrega, EventoPublicado, Intento, Suscriptor
from integraciones.publicador import Publicador
from integraciones.settings import Settings
from integraciones.webhook import ClienteWebhooks, FalloDeEntrega
from sigexp_common.app import ServiceSpec
from sigexp_common.db import statements, transaction, try_advisory_xact_lock
from sigexp_common.envelope import utcnow

log = logging.getLogger("sigexp.integraciones")

LOTE = 100
EN_PARALELO = 8  # subscribers served at once


def cuerpo(envelope: dict[str, Any]) -> bytes:
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()


async def publicar_pendientes(sessions: async_sessionmaker[AsyncSession], pub: Publicador) -> int:
    """One pass over the public outbox; the number of events published."""
    publicados = 0
    async with transaction(sessions) as db:
        if not await try_advisory_xact_lock(db, "integraciones.publicar"):
            return 0
        filas = (
            await db.scalars(
                select(EventoPublicado)
                .where(EventoPublicado.publicado_en.is_(None))
                .order_by(EventoPublicado.seq)
                .limit(LOTE)
            )
        ).all()
        for fila in filas:
            try:
                await pub.publicar(cuerpo(fila.envelope), fila.type, str(fila.id))
            except Exception as exc:  # the rest wait for the next pass, in order
                log.warning("public event not published, retrying later: %s", exc)
                break
            fila.publicado_en = utcnow()
            publicados += 1
    return publicados


class Despachador:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        pub: Publicador,
        webhooks: ClienteWebhooks,
        settings: Settings,
    ) -> None:
        self.sessions, self.pub, self.webhooks, self.settings = sessions, pub, webhooks, settings
        self.plazo = timedelta(hours=settings.webhook_plazo_horas)

    def espera(self, intentos: int) -> timedelta:
        s = self.settings
        segundos = s.webhook_reintento_inicial_segundos * 2.0 ** min(max(intentos - 1, 0), 30)
        return timedelta(seconds=min(segundos, s.webhook_reintento_max_segundos))

    async def pasada(self) -> None:
        async with statements(self.sessions) as db:
            ids = list(
                await db.scalars(
                    select(Entrega.suscriptor_id)
                    .join(Suscriptor, Suscriptor.id == Entrega.suscriptor_id)
                    .where(
                        Entrega.estado == EstadoEntrega.PENDIENTE,
                        Suscriptor.activo,
                        Suscriptor.proximo_intento_en <= utcnow(),
                    )
                    .distinct()
                )
            )
        limite = asyncio.Semaphore(EN_PARALELO)

        async def uno(sid: uuid.UUID) -> None:
            async with limite:
                try:
                    await self.entregar_a(sid)
                except Exception:
                    log.exception("deliveries of subscriber %s failed", sid)

        await asyncio.gather(*(uno(sid) for sid in ids))

    async def entregar_a(self, suscriptor_id: uuid.UUID) -> None:
        async with transaction(self.sessions) as db:
            s = await db.scalar(
                select(Suscriptor)
                .where(Suscriptor.id == suscriptor_id, Suscriptor.activo)
                .with_for_update(skip_locked=True)
            )
            if s is None or s.proximo_intento_en > utcnow():
                return
            filas = (
                await db.execute(
                    select(Entrega, EventoPublicado)
                    .join(EventoPublicado, EventoPublicado.seq == Entrega.evento_seq)
                    .where(
                        Entrega.suscriptor_id == suscriptor_id,
                        Entrega.estado == EstadoEntrega.PENDIENTE,
                    )
                    .order_by(Entrega.seq)
                    .limit(LOTE)
                )
            ).all()
            for entrega, evento in filas:
                if not await self._intentar(db, s, entrega, evento):
                    break

    async def _intentar(
        self, db: AsyncSession, s: Suscriptor, entrega: Entrega, evento: EventoPublicado
    ) -> bool:
        """Deliver one; False when the subscriber's batch must stop (postponed)."""
        ahora = utcnow()
        codigo: int | None = None
        entrega.intentos += 1
        try:
            if s.canal == Canal.WEBHOOK:
                assert s.webhook_url is not None
                assert s.webhook_secreto is not None
                codigo = await self.webhooks.enviar(
                    s.webhook_url, s.webhook_secreto, str(evento.id), cuerpo(evento.envelope)
                )
            else:
                assert s.cola
                await self.pub.publicar(
                    cuerpo(evento.envelope), evento.type, str(evento.id), a_cola=s.cola
                )
        except Exception as exc:
            error = str(exc)[:1000] or type(exc).__name__
            codigo = exc.codigo if isinstance(exc, FalloDeEntrega) else None
            db.add(
                Intento(
                    entrega_seq=entrega.seq,
                    suscriptor_id=s.id,
                    en=ahora,
                    ok=False,
                    codigo_http=codigo,
                    error=error,
                )
            )
            entrega.ultimo_error = error
            if ahora - entrega.creada_en >= self.plazo:
                entrega.estado = EstadoEntrega.APARCADA
                log.error("delivery %s to %s parked after %s", entrega.seq, s.id, self.plazo)
                return True
            s.proximo_intento_en = ahora + self.espera(entrega.intentos)
            return False
        db.add(
            Intento(
                entrega_seq=entrega.seq, suscriptor_id=s.id, en=ahora, ok=True, codigo_http=codigo
            )
        )
        entrega.estado = EstadoEntrega.ENTREGADA
        entrega.entregada_en = ahora
        entrega.ultimo_error = None
        return True


async def correr(spec: ServiceSpec, sessions: async_sessionmaker[AsyncSession]) -> None:
    """`ServiceSpec.deliveries`: both loops, forever."""
    settings = spec.settings
    assert isinstance(settings, Settings)
    pub = Publicador(settings.amqp_url, settings.exchange_publico, settings.exchange_directo)
    webhooks = ClienteWebhooks(settings.webhook_ca, settings.webhook_timeout_segundos)
    despachador = Despachador(sessions, pub, webhooks, settings)

    async def publico() -> None:
        while True:
            try:
                await pub.conectar()
                if await publicar_pendientes(sessions, pub) >= LOTE:
                    continue
            except Exception as exc:
                log.warning("public stream pass failed: %s", exc)
            await asyncio.sleep(settings.despacho_poll_segundos)

    async def entregas() -> None:
        while True:
            try:
                with contextlib.suppress(Exception):  # webhooks go on without the broker
                    await pub.conectar()
                await despachador.pasada()
            except Exception as exc:
                log.warning("deliveries pass failed: %s", exc)
            await asyncio.sleep(settings.despacho_poll_segundos)

    try:
        await asyncio.gather(publico(), entregas())
    finally:
        await webhooks.cerrar()
        await pub.cerrar()
