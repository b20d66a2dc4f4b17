"""Outgoing mail: queued in the use case's transaction, sent by a background sender via SMTP.

A mail is a row of `correos` written together with what caused it (a reset token, a new
account), so nothing is sent for a rolled-back change and nothing is lost if SMTP is down:
the sender (the shared delivery loop of `sigexp_common.delivery`) retries with backoff. Once
sent, the body (which may hold a secret link or a provisional password) is blanked.
"""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.models import CorreoPendiente
from auth.settings import Settings
from sigexp_common.delivery import DeliveryLoop, DeliveryTable

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


CORREOS = DeliveryTable(
    model=CorreoPendiente,
    id=CorreoPendiente.id,
    created_at=CorreoPendiente.creado_en,
    delivered_at=CorreoPendiente.enviado_en,
    attempts=CorreoPendiente.intentos,
    next_attempt_at=CorreoPendiente.proximo_intento_en,
    last_error=CorreoPendiente.ultimo_error,
    on_delivered={"cuerpo": ""},  # the body may hold a secret link or a provisional password
)


def _espera(intentos: int) -> float:
    return float(min(2**intentos, _MAX_BACKOFF_SECONDS))


class EnviadorCorreos:
    """Sends queued mail through the shared delivery loop (the outbox relay's): due rows are
    leased with SKIP LOCKED, sent concurrently, then marked sent or postponed, so several
    replicas may run and an SMTP server that is down delays mail without losing any."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self.settings = settings
        self.entregas = DeliveryLoop(
            sessions,
            CORREOS,
            self._enviar,
            _espera,
            name="correos",
            batch_size=20,
            lease_seconds=max(60.0, 2 * settings.smtp_timeout_seconds),
            poll_seconds=settings.mail_poll_seconds,
        )

    def despertar(self) -> None:
        """Send now (called after the commit that queued a mail)."""
        self.entregas.wake()

    async def enviar_pendientes(self) -> int:
        """One pass; the number of mails sent."""
        return (await self.entregas.deliver_due()).delivered

    async def run(self) -> None:
        await self.entregas.run()

    async def _enviar(self, correo: CorreoPendiente) -> None:
        await enviar_smtp(self.settings, correo.para, correo.asunto, correo.cuerpo)
