"""auth's outgoing mail (reset links, new accounts' provisional passwords): queued in the use
case's transaction, sent after it by the shared SMTP sender (`sigexp_common.mail`), the body
blanked once sent."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.models import CorreoPendiente
from auth.settings import Settings
from sigexp_common.mail import MailSender


def encolar(db: AsyncSession, para: str, asunto: str, cuerpo: str) -> None:
    """Queue a plain-text mail; it leaves only if the caller's transaction commits."""
    db.add(CorreoPendiente(para=para, asunto=asunto, cuerpo=cuerpo))


def enviador(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> MailSender:
    return MailSender(sessions, CorreoPendiente, settings, blank_when_sent=True)
