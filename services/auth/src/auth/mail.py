"""Outgoing mail: queued in the use case's transaction, sent by a background sender via SMTP.

A mail is a row of `correos` written together with what caused it (a reset token, a new
account), so nothing is sent for a rolled-back change and nothing is lost if SMTP is down:
the sender retries with backoff. Once sent, the body (which may hold a secret link or a
provisional password) is blanked.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from email.message import EmailMessage

import aiosmtplib
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.models import CorreoPendiente
from auth.settings import Settings
from sigexp_common.db import transaction
from sigexp_common.envelope import utcnow

log = logging.getLogger("sigexp.auth.mail")

_MAX_BACKOFF_SECONDS = 300


def encolar(db: AsyncSession, para: str, asunto: str, cuerpo: str) -> None:
    """Queue a plain-text mail; it leaves only if the caller's transaction commits."""
    db.add(CorreoPendiente(para=para, asunto=asunto, cuerpo=cuerpo))


async def enviar_smtp(settings: Settings, para: str, asunto: str, cuerpo: str) -> None:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = para
    message["Subject"] = asunto
    message.set_content(cuerpo)
    await aiosmtplib.send(
        message,
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_user or None,
        password=settings.smtp_password or None,
        start_tls=settings.smtp_starttls,
        timeout=settings.smtp_timeout_seconds,
    )


class EnviadorCorreos:
    """Sends queued mail; several replicas may run (rows are claimed with SKIP LOCKED)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self.sessions = sessions
        self.settings = settings
        self._wake = asyncio.Event()

    def despertar(self) -> None:
        self._wake.set()

    async def enviar_pendientes(self, lote: int = 20) -> int:
        enviados = 0
        async with transaction(self.sessions) as db:
            filas = (
                await db.scalars(
                    select(CorreoPendiente)
                    .where(
                        CorreoPendiente.enviado_en.is_(None),
                        CorreoPendiente.proximo_intento_en <= utcnow(),
                    )
                    .order_by(CorreoPendiente.creado_en)
                    .limit(lote)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            for correo in filas:
                try:
                    await enviar_smtp(self.settings, correo.para, correo.asunto, correo.cuerpo)
                except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
                    correo.intentos += 1
                    espera = min(2**correo.intentos, _MAX_BACKOFF_SECONDS)
                    correo.proximo_intento_en = utcnow() + timedelta(seconds=espera)
                    correo.ultimo_error = str(exc)[:500]
                    log.warning("mail not sent, will retry: %s", exc)
                    continue
                correo.enviado_en = utcnow()
                correo.cuerpo = ""
                enviados += 1
        return enviados

    async def run(self) -> None:
        while True:
            try:
                await self.enviar_pendientes()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("mail sender pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.settings.mail_poll_seconds)
            self._wake.clear()
