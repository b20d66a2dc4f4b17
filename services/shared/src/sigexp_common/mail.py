"""Outgoing mail by SMTP for the services that send it (auth's links and passwords, pases'
arrival notices).

A mail is a row of the service's `correos` table written in the transaction that decided it,
so nothing leaves for a rolled-back change and nothing is lost while SMTP is down: the sender
(the shared delivery loop of `sigexp_common.delivery`) leases due rows with SKIP LOCKED, sends
them, and postpones failures with backoff, several replicas safely at once.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import aiosmtplib
from pydantic_settings import BaseSettings
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from sigexp_common.delivery import DeliveryLoop, DeliveryTable

_MAX_BACKOFF_SECONDS = 300


class SmtpSettings(BaseSettings):
    """The SMTP fields of a service's settings (its own prefix applies: `AUTH_SMTP_HOST`...)."""

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_from: str = "SIGEXP <no-responder@sigexp.invalid>"
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 10.0
    mail_poll_seconds: float = 2.0


async def send_smtp(settings: SmtpSettings, para: str, asunto: str, cuerpo: str) -> None:
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


def _backoff(intentos: int) -> float:
    return float(min(2**intentos, _MAX_BACKOFF_SECONDS))


class MailSender:
    """Sends a service's queued mail. `model`: its mail table, with `para`, `asunto`, `cuerpo`
    and the delivery columns `creado_en`, `enviado_en`, `intentos`, `proximo_intento_en`,
    `ultimo_error`. `blank_when_sent` empties the body once it is out (it may hold a secret
    link or a provisional password)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        model: Any,
        settings: SmtpSettings,
        *,
        blank_when_sent: bool = False,
    ) -> None:
        self.settings = settings
        table = DeliveryTable(
            model=model,
            id=model.id,
            created_at=model.creado_en,
            delivered_at=model.enviado_en,
            attempts=model.intentos,
            next_attempt_at=model.proximo_intento_en,
            last_error=model.ultimo_error,
            on_delivered={"cuerpo": ""} if blank_when_sent else {},
        )
        self.deliveries = DeliveryLoop(
            sessions,
            table,
            self._send,
            _backoff,
            name="correos",
            batch_size=20,
            lease_seconds=max(60.0, 2 * settings.smtp_timeout_seconds),
            poll_seconds=settings.mail_poll_seconds,
        )

    def wake(self) -> None:
        """Send now (called after the commit that queued a mail)."""
        self.deliveries.wake()

    async def send_due(self) -> int:
        """One pass; the number of mails sent."""
        return (await self.deliveries.deliver_due()).delivered

    async def run(self) -> None:
        await self.deliveries.run()

    async def _send(self, correo: Row[Any]) -> None:
        await send_smtp(self.settings, correo.para, correo.asunto, correo.cuerpo)
