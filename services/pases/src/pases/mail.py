"""pases' outgoing mail (the desks' arrival notices): a row of `correos` written in the
transaction that decided it (the consumer of `remito.emitido`), sent by the shared SMTP sender
(`sigexp_common.mail`), as auth sends its own."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pases.models_mesa import CorreoPendiente
from pases.settings import Settings
from sigexp_common.mail import MailSender


def enviador(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> MailSender:
    return MailSender(sessions, CorreoPendiente, settings)
