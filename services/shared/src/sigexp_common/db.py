"""Async SQLAlchemy engine and the session whose single transaction the entrypoint owns."""

from __future__ import annotations

import hashlib
import weakref
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import event, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from sigexp_common import audit, outbox
from sigexp_common.errors import ErrorDominio

if TYPE_CHECKING:
    from sigexp_common.audit_batch import AuditBatcher


def make_engine(
    url: str,
    pool_size: int = 10,
    max_overflow: int = 10,
    server_settings: Mapping[str, str] | None = None,
    pool_timeout: float = 30.0,
) -> AsyncEngine:
    """A pooled engine without pre-ping: asyncpg's ping is a transaction of its own (three
    round trips per checkout). A connection the server closed (a restart, a
    `pg_terminate_backend`, a proxy that dropped it) is already marked closed by asyncpg when
    its socket ended, so checkout discards it without asking the server (`_drop_closed`); one
    that dies unnoticed fails its first statement, SQLAlchemy then recycles the whole pool, and
    the request answers 503 with Retry-After (`errors`).

    At most `pool_size + max_overflow` connections, and every one opened stays pooled: past
    `pool_size` SQLAlchemy closes a connection as it comes back whenever `pool_size` are idle,
    so a load that wanders around the pool's size opens and closes a PostgreSQL backend per
    request (a fork and its catalogue caches: several ms of the database's CPU each; the
    consumers of a one-process service share this pool with its requests). Connections are
    still opened only when wanted. `server_settings`: PostgreSQL settings of every connection
    (e.g. the relay's bookkeeping commits without waiting for the WAL flush). A request that
    waits `pool_timeout` seconds for a free connection is answered 503 (`errors`)."""
    connect_args = {"server_settings": dict(server_settings)} if server_settings else {}
    engine = create_async_engine(
        url,
        pool_size=pool_size + max_overflow,
        max_overflow=0,
        pool_timeout=pool_timeout,
        connect_args=connect_args,
    )
    event.listen(engine.sync_engine.pool, "checkout", _drop_closed)
    return engine


def _drop_closed(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """Refuse a pooled connection whose socket already ended: the pool then opens a new one
    (SQLAlchemy retries a checkout that raises DisconnectionError)."""
    if record.driver_connection.is_closed():
        raise DisconnectionError("the server closed this pooled connection")


def make_sessionmaker(
    engine: AsyncEngine,
    source: str,
    publishes: Iterable[str] | None = None,
    audit_batcher: AuditBatcher | None = None,
) -> async_sessionmaker[AsyncSession]:
    """Sessions that know which service they belong to (the `source` of the events they emit),
    when given, the event types it declares (`outbox.add` refuses any other), and the process's
    group commit of read records (`audit.lectura` waits for it)."""
    info: dict[str, Any] = {"source": source}
    if publishes is not None:
        info["publishes"] = frozenset(publishes)
    if audit_batcher is not None:
        info[audit.BATCHER] = audit_batcher
    return async_sessionmaker(engine, expire_on_commit=False, info=info)


@asynccontextmanager
async def transaction(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One unit of work: commits when the block ends normally, rolls back on any exception."""
    async with sessions() as session, session.begin():
        yield session


@asynccontextmanager
async def statements(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session whose every statement is its own transaction (autocommit): no BEGIN and no
    COMMIT round trips, for work whose statements each stand alone (one UPDATE that leases
    rows, one that marks them)."""
    async with sessions(bind=autocommit(sessions.kw["bind"])) as session:
        yield session


READ_ONLY_METHODS = frozenset({"GET", "HEAD"})
_autocommit_engines: weakref.WeakKeyDictionary[AsyncEngine, AsyncEngine] = (
    weakref.WeakKeyDictionary()
)


def autocommit(engine: AsyncEngine) -> AsyncEngine:
    """`engine`'s pool in autocommit: each statement is its own implicit transaction, so a
    read sends no BEGIN and no COMMIT (asyncpg's autocommit is a flag of the connection kept
    on the Python side: switching it costs no round trip either way)."""
    reader = _autocommit_engines.get(engine)
    if reader is None:
        reader = engine.execution_options(isolation_level="AUTOCOMMIT")
        _autocommit_engines[engine] = reader
    return reader


def _session_for(request: Request) -> AsyncSession:
    """A session of the app's sessionmaker; for a GET or HEAD, bound to the autocommit engine.

    A safe method only reads, and its audit record goes through `audit.lectura`'s own group
    commit, so its one query needs no transaction around it: two round trips fewer per read.
    At READ COMMITTED every statement sees its own snapshot anyway, so a read of several
    statements sees what it saw inside a transaction. A refusal's record (`_refuse`) is a
    single INSERT, atomic on its own. What a safe method cannot do here: hold a lock or a
    server-side cursor until the end of the request (`stream`): auditoria's verification pages
    on `seq` instead."""
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
    if request.method in READ_ONLY_METHODS:
        session = sessions(bind=autocommit(sessions.kw["bind"]))
        session.info[audit.AUTOCOMMIT] = True  # `audit.lectura` hands its connection back early
        return session
    return sessions()


async def _request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's one transaction: committed when the route returns; rolled back when it
    raises, except that a refusal made by `audit.denegar` commits its audit record before the
    error is answered (see `_refuse`). A GET or HEAD runs in autocommit (`_session_for`)."""
    async with _session_for(request) as session:
        await session.begin()
        try:
            yield session
        except ErrorDominio as error:
            if error.registro is None:
                await session.rollback()
                raise
            await _refuse(session, error)
            raise
        except BaseException:
            await session.rollback()
            raise
        await session.commit()  # a refused commit is mapped to problem+json by `errors`


async def _refuse(session: AsyncSession, error: ErrorDominio) -> None:
    """Commit the refusal's audit record. The use case's work, and anything claimed with it
    (an Idempotency-Key), is rolled back first unless the refusal keeps it (`conservar`): a
    refusal raised halfway through a change never commits half of it, and a refused request
    can be retried. Both refusals of a lookup (missing, out of scope) take this same path."""
    assert error.registro is not None
    if not error.conservar:
        await session.rollback()
        await session.begin()
    outbox.add(session, error.registro)
    await session.commit()  # if this fails, the database error is what the client gets
    error.registrado = True


Session = Annotated[AsyncSession, Depends(_request_session, scope="function")]
"""Request-scoped session: the route's work and its outbox rows commit together or not at all.

`scope="function"` commits when the route returns, before the answer is sent: a commit that
fails is never reported to the client as a success."""


def lock_key(name: str) -> int:
    """The advisory-lock key of `name`: a signed 64-bit slice of its SHA-256, the same in every
    process, release and PostgreSQL version (unlike Python's `hash` or PostgreSQL's
    undocumented `hashtext`)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


async def advisory_xact_lock(db: AsyncSession, name: str) -> None:
    """Serialise, across processes and replicas, the transactions that lock `name`: waits for
    the holder and is released by that transaction's commit or rollback. Name the thing
    guarded (`"auditoria.cadena"`, `"auth.login:cuenta:<id>"`)."""
    await db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(name)})


async def try_advisory_xact_lock(db: AsyncSession, name: str) -> bool:
    """The same lock without waiting: False when another transaction holds it."""
    held = await db.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": lock_key(name)})
    return bool(held)


def asyncpg_dsn(url: str) -> str:
    """The plain libpq-style DSN asyncpg wants, from an SQLAlchemy URL."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)
