"""`Idempotency-Key`: a retried request answers the first answer again, and acts only once.

Every unsafe route of an `IdempotentRoute` router that resolves a user gets one more dependency,
`claim`, without touching its signature. It runs in the request's own session (`db.Session`) and
is keyed by the user the route resolves anyway (FastAPI resolves that dependency once, so the
token is verified once):
- a transaction-level advisory lock on (user, key): a concurrent duplicate does not wait, it
  answers 409 with `Retry-After: 1` until the first request's transaction ends;
- a stored answer for the key is answered again (`Idempotent-Replayed: true`), or 422 when the
  key came with another request;
- otherwise the route runs, and its answer is written in the same transaction as its effect, so
  both commit or neither does. An exception or a 5xx answer stores nothing: the lock goes with
  the transaction and a retry runs again. Streamed and file answers are read and stored up to
  `MAX_STORED` bytes; a bigger one is answered as is and releases the key the same way.

Public routes (login, refresh, password reset, account requests) have no user to scope a key
by, so they ignore the header (see services/shared/README.md for why that is the sound choice).
Reads ignore the header.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, get_args

import anyio
from fastapi import Depends, Request, Response
from fastapi.dependencies.utils import get_dependant
from fastapi.params import Depends as DependsParam
from fastapi.routing import APIRoute
from sqlalchemy import DateTime, Integer, LargeBinary, String, delete, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from starlette.datastructures import UploadFile
from starlette.responses import FileResponse, StreamingResponse

from sigexp_common.db import Session, try_advisory_xact_lock
from sigexp_common.errors import Conflicto, DatoInvalido, PeticionInvalida
from sigexp_common.messaging_tables import MessagingBase
from sigexp_common.security import CurrentUserPendingPassword

HEADER = "idempotency-key"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
RETENTION = timedelta(days=1)  # how long a retried request still gets its first answer
MAX_STORED = 1024 * 1024  # a bigger streamed or file answer is not kept (the key is released)


class IdempotencyKey(MessagingBase):
    """The first answer to an `Idempotency-Key` of one user (schema: the shared branch)."""

    __tablename__ = "idempotency_keys"

    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )


async def purge(session: AsyncSession, now: datetime) -> int:
    """Forget answers older than `RETENTION` (run by the relay's periodic purge)."""
    result = await session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at < now - RETENTION)
    )
    return int(getattr(result, "rowcount", 0))


def _in_progress() -> Conflicto:
    return Conflicto(
        "Esta misma solicitud ya se está procesando; consulte de nuevo en un momento.",
        retry_after=1,
    )


@dataclass(frozen=True)
class Claim:
    """A key this request holds: its answer is stored in `session` before it commits."""

    session: AsyncSession
    user_id: uuid.UUID
    key: str
    fingerprint: str


class _Replay(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


async def claim(request: Request, user: CurrentUserPendingPassword, db: Session) -> None:
    """Take the request's key in its own session, or answer the stored answer again."""
    key = request.headers.get(HEADER)
    if key is None:
        return
    if not 1 <= len(key) <= 200:
        raise PeticionInvalida("Idempotency-Key debe tener entre 1 y 200 caracteres.")
    fingerprint = await _fingerprint(request)
    if not await try_advisory_xact_lock(db, f"idempotency:{user.id}/{key}"):
        raise _in_progress()
    stored = await db.get(IdempotencyKey, (user.id, key))
    if stored is not None:
        if stored.fingerprint != fingerprint:
            raise DatoInvalido(
                "La Idempotency-Key ya se usó con otra solicitud; use una clave nueva para esta."
            )
        raise _Replay(_replayed(stored))
    request.state.idempotency_claim = Claim(db, user.id, key, fingerprint)


async def _fingerprint(request: Request) -> str:
    """What makes two requests the same: method, path, query and body. A form is hashed by its
    parsed fields and files, so a retry with another multipart boundary is still the same."""
    digest = hashlib.sha256()
    for part in (request.method, request.url.path, request.url.query):
        digest.update(part.encode() + b"\0")
    if request.headers.get("content-type", "").startswith(("multipart/", "application/x-www")):
        for name, value in (await request.form()).multi_items():  # parsed once, cached
            digest.update(name.encode() + b"\0")
            if isinstance(value, UploadFile):
                digest.update(f"{value.filename}\0{value.content_type}\0".encode())
                while chunk := await value.read(64 * 1024):
                    digest.update(chunk)
                await value.seek(0)  # the route reads it again
            else:
                digest.update(value.encode() + b"\0")
    else:
        digest.update(await request.body())  # cached by Starlette: the route reads it again
    return digest.hexdigest()


def _replayed(stored: IdempotencyKey) -> Response:
    response = Response(stored.body, status_code=stored.status_code)
    if stored.content_type:
        response.headers["content-type"] = stored.content_type
    response.headers["Idempotent-Replayed"] = "true"
    return response


async def _store(claim: Claim, response: Response) -> Response:
    """Write the answer in the request's transaction (it commits right after the route returns);
    return the response to send, which is a buffered copy when the route streamed it."""
    if response.status_code >= 500:
        return response  # nothing stored: the key is released with the transaction
    body = await _body_of(response)
    if body is None:
        return response
    if isinstance(response, StreamingResponse | FileResponse):
        response = _buffered(response, body)
    claim.session.add(
        IdempotencyKey(
            user_id=claim.user_id,
            key=claim.key,
            fingerprint=claim.fingerprint,
            status_code=response.status_code,
            content_type=response.headers.get("content-type"),
            body=body,
        )
    )
    await claim.session.flush()
    return response


async def _body_of(response: Response) -> bytes | None:
    """The whole answer, or None when it is bigger than `MAX_STORED` (then `response` still
    sends all of it)."""
    if isinstance(response, FileResponse):
        if os.stat(response.path).st_size > MAX_STORED:
            return None
        return await anyio.Path(response.path).read_bytes()
    if isinstance(response, StreamingResponse):
        chunks: list[bytes] = []
        size = 0
        iterator = response.body_iterator.__aiter__()
        async for chunk in iterator:
            data = chunk if isinstance(chunk, bytes | memoryview) else chunk.encode()
            chunks.append(bytes(data))
            size += len(data)
            if size > MAX_STORED:
                response.body_iterator = _chain(chunks, iterator)
                return None
        return b"".join(chunks)
    return bytes(response.body)


async def _chain(first: Iterable[bytes], rest: AsyncIterable[Any]) -> AsyncIterator[Any]:
    for chunk in first:
        yield chunk
    async for chunk in rest:
        yield chunk


def _buffered(response: Response, body: bytes) -> Response:
    headers = {k: v for k, v in response.headers.items() if k != "content-length"}
    return Response(body, response.status_code, headers, background=response.background)


_TOKEN_USER = get_args(CurrentUserPendingPassword)[1].dependency


def _resolves_user(path: str, calls: Sequence[Callable[..., Any]]) -> bool:
    pending = [get_dependant(path=path, call=call) for call in calls]
    while pending:
        dependant = pending.pop()
        if dependant.call is _TOKEN_USER:
            return True
        pending.extend(dependant.dependencies)
    return False


class IdempotentRoute(APIRoute):
    """Route class for a service's routers: honours `Idempotency-Key` on unsafe methods of
    routes that resolve a user (adds the `claim` dependency first; signatures stay as written)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        dependencies: list[DependsParam] = list(kwargs.get("dependencies") or [])
        calls = [endpoint, *(d.dependency for d in dependencies if d.dependency)]
        if (
            set(kwargs.get("methods") or ()) & UNSAFE
            and claim not in calls
            and _resolves_user(path, calls)
        ):
            kwargs["dependencies"] = [Depends(claim), *dependencies]
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        # Runs inside the request's dependency scope: the session `claim` used is still open
        # when the answer is stored, and commits after this returns.
        async def route(request: Request) -> Response:
            try:
                response = await handler(request)
            except _Replay as replay:
                return replay.response
            held: Claim | None = getattr(request.state, "idempotency_claim", None)
            if held is None:
                return response
            return await _store(held, response)

        return route
