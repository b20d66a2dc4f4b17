"""Outgoing mail of pases (the desks' arrival notices), sent as auth sends its own: a row of
`correos` written in the transaction that decided it (the consumer of `remito.emitido`), then
delivered by SMTP through the shared delivery loop (`sigexp_common.delivery`), retried with
backoff while SMTP is down, several processes safely at once (rows leased with SKIP LOCKED)."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pases.models_mesa import CorreoPendiente
from pases.settings import Settings
from sigexp_common.delivery import DeliveryLoop, DeliveryTable

_MAX_BACKOFF_SECONDS = 300

CORREOS = DeliveryTable(
    model=CorreoPendiente,
    id=CorreoPendiente.id,
    created_at=CorreoPendiente.creado_en,
    delivered_at=CorreoPendiente.enviado_en,
    attempts=CorreoPendiente.intentos,
    next_attempt_at=CorreoPendiente.proximo_intento_en,
    last_error=CorreoPendiente.ultimo_error,
)


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


def _espera(intentos: int) -> float:
    return float(min(2**intentos, _MAX_BACKOFF_SECONDS))


class EnviadorCorreos:
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

    async def run(self) -> None:
        await self.entregas.run()

    async def _enviar(self, correo: CorreoPendiente) -> None:
        await enviar_smtp(self.settings, correo.para, correo.asunto, correo.cuerpo)
