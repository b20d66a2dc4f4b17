"""Dependencies shared by the routes of the auth service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, cast

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.mail import EnviadorCorreos
from auth.settings import Settings
from sigexp_common.db import transaction


def _settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


Config = Annotated[Settings, Depends(_settings)]


class Transaccion:
    """For routes that must commit before answering: a failed login is still recorded,
    and queued mail is sent right after the commit instead of at the next poll."""

    def __init__(self, request: Request) -> None:
        self._sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
        self._correos: EnviadorCorreos | None = getattr(request.app.state, "correos", None)

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[AsyncSession]:
        async with transaction(self._sessions) as db:
            yield db
        if self._correos is not None:
            self._correos.despertar()


Propia = Annotated[Transaccion, Depends(Transaccion)]
