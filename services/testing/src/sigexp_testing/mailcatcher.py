"""An SMTP server that keeps every message as a `.eml` file a person (or a test) can open."""

from __future__ import annotations

import email
import email.policy
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from sigexp_testing.infra import free_port


class _SaveToFolder:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        name = f"{time.time_ns()}.eml"
        (self.folder / name).write_bytes(envelope.original_content or envelope.content)
        return "250 OK"


def start_mailcatcher(folder: Path, host: str = "127.0.0.1", port: int = 0) -> Controller:
    """Start in a background thread on `port` (a free one when 0): see `controller.port`."""
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(_SaveToFolder(folder), hostname=host, port=port or free_port())
    controller.start()
    return controller


def read_mails(folder: Path, to: str | None = None) -> list[EmailMessage]:
    """Captured messages, oldest first, optionally only those addressed to `to`."""
    mails = []
    for path in sorted(folder.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        if to is None or to.lower() in str(message["To"]).lower():
            mails.append(message)
    return mails


def body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    return part.get_content() if part is not None else ""
