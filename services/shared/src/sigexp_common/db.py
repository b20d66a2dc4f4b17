"""Async SQLAlchemy engine and the session whose single transaction the entrypoint owns."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from sigexp_common import outbox
from sigexp_common.errors import ErrorDominio


def make_engine(url: str, pool_size: int = 10) -> AsyncEngine:
    return create_async_engine(url, pool_size=pool_size, max_overflow=10, pool_pre_ping=True)


def make_sessionmaker(
    engine: AsyncEngine, source: str, publishes: Iterable[str] | None = None
) -> async_sessionmaker[AsyncSession]:
    """Sessions that know which service they belong to (the `source` of the events they emit)
    and, when given, the event types it declares: `outbox.add` refuses any other."""
    info: dict[str, Any] = {"source": source}
    if publishes is not None:
        info["publishes"] = frozenset(publishes)
    return async_sessionmaker(engine, expire_on_commit=False, info=info)


@asynccontextmanager
async def transaction(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One unit of work: commits when the block ends normally, rolls back on any exception."""
    async with sessions() as session, session.begin():
        yield session


async def _request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's one transaction: committed when the route returns; rolled back when it
    raises, except for a refusal made by `audit.denegar`, whose audit record (and whatever the
    use case kept before refusing) is committed before the error is answered."""
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
    async with sessions() as session:
        await session.begin()
        try:
            yield session
        except ErrorDominio as error:
            if error.registro is None:
                await session.rollback()
                raise
            outbox.add(session, error.registro)
            await session.commit()
            raise
        except BaseException:
            await session.rollback()
            raise
        await session.commit()  # a refused commit is mapped to problem+json by `errors`


Session = Annotated[AsyncSession, Depends(_request_session, scope="function")]
"""Request-scoped session: the route's work and its outbox rows commit together or not at all.

`scope="function"` commits when the route returns, before the answer is sent: a commit that
fails is never reported to the client as a success."""


def asyncpg_dsn(url: str) -> str:
    """The plain libpq-style DSN asyncpg wants, from an SQLAlchemy URL."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)
