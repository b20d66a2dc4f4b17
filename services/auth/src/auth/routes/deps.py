"""Dependencies shared by the routes of the auth service."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import BackgroundTasks, Depends, Request

from auth.settings import Settings
from sigexp_common.mail import MailSender


def _settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


Config = Annotated[Settings, Depends(_settings)]


def _correo_tras_commit(request: Request, tareas: BackgroundTasks) -> None:
    """Wake the mail sender once the answer is out, i.e. after the request session committed
    the queued mail: it leaves at once instead of at the sender's next poll."""
    correos: MailSender | None = getattr(request.app.state, "correos", None)
    if correos is not None:
        tareas.add_task(correos.wake)


ENVIA_CORREO = Depends(_correo_tras_commit)
"""`dependencies=[ENVIA_CORREO]` on a route whose use case queues mail."""
