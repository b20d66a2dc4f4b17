"""`Idempotency-Key`: a retried request answers the first answer again, and acts only once.

The key is scoped to the (verified) user. The first request inserts a placeholder row in its
own transaction (see `db.Session`), so its effect and the claim on the key commit together; a
concurrent duplicate waits on that row and then answers 409 with `Retry-After: 1`; once the first
answer is stored, retries get it back. A request that fails rolls back its claim: retrying it
runs it again. Reads ignore the header.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from sqlalchemy import DateTime, Integer, LargeBinary, String, delete, func, select
from sqlalchemy.dialects.postgresql import UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from sigexp_common.db import transaction
from sigexp_common.errors import Conflicto, DatoInvalido, ErrorDominio, PeticionInvalida
from sigexp_common.messaging_tables import MessagingBase
from sigexp_common.security import JwksVerifier, bearer_token

HEADER = "idempotency-key"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
RETENTION = timedelta(days=1)  # how long a retried request still gets its first answer


class IdempotencyKey(MessagingBase):
    """The first answer to an `Idempotency-Key` of one user (schema: the shared branch)."""

    __tablename__ = "idempotencia"

    user_id: Mapped[uuid.UUID] = mapped_column("usuario_id", UUID(as_uuid=True), primary_key=True)
    key: Mapped[str] = mapped_column("clave", String(200), primary_key=True)
    fingerprint: Mapped[str] = mapped_column("huella", String(64))
    status_code: Mapped[int | None] = mapped_column("estado", Integer)
    content_type: Mapped[str | None] = mapped_column("tipo", String(200))
    body: Mapped[bytes | None] = mapped_column("cuerpo", LargeBinary)
    created_at: Mapped[datetime] = mapped_column(
        "creado_en", DateTime(timezone=True), server_default=func.now()
    )


async def purge(session: AsyncSession, now: datetime) -> int:
    """Forget answers older than `RETENTION` (run by the relay's periodic purge)."""
    result = await session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at < now - RETENTION)
    )
    return int(getattr(result, "rowcount", 0))


def _en_curso() -> Conflicto:
    return Conflicto(
        "Esta misma solicitud ya se está procesando; consulte de nuevo en un momento.",
        retry_after=1,
    )


@dataclass(frozen=True)
class Pedido:
    usuario_id: uuid.UUID
    clave: str
    huella: str


async def reclamar(session: AsyncSession, pedido: Pedido) -> None:
    """Claim the key inside the request's transaction (run by `db.Session` when it opens)."""
    nueva = await session.execute(
        insert(IdempotencyKey)
        .values(user_id=pedido.usuario_id, key=pedido.clave, fingerprint=pedido.huella)
        .on_conflict_do_nothing()
        .returning(IdempotencyKey.key)
    )
    if nueva.scalar_one_or_none() is None:
        raise _en_curso()


async def _pedido(request: Request) -> Pedido | None:
    clave = request.headers.get(HEADER)
    if request.method not in UNSAFE or clave is None:
        return None
    if not 1 <= len(clave) <= 200:
        raise PeticionInvalida("Idempotency-Key debe tener entre 1 y 200 caracteres.")
    verifier: JwksVerifier = request.app.state.verifier
    try:
        claims = await verifier.verify(bearer_token(request))
    except ErrorDominio:
        return None  # the route itself answers 401
    cuerpo = await request.body()  # cached by Starlette: the route reads it again
    huella = hashlib.sha256(
        b"\0".join((request.method.encode(), request.url.path.encode(), cuerpo))
    ).hexdigest()
    return Pedido(uuid.UUID(claims["sub"]), clave, huella)


async def _guardada(sessions: async_sessionmaker[AsyncSession], pedido: Pedido) -> Any:
    async with transaction(sessions) as session:
        return await session.scalar(
            select(IdempotencyKey).where(
                IdempotencyKey.user_id == pedido.usuario_id,
                IdempotencyKey.key == pedido.clave,
            )
        )


async def _guardar(session: AsyncSession, pedido: Pedido, response: Response) -> None:
    valores = {
        "fingerprint": pedido.huella,
        "status_code": response.status_code,
        "content_type": response.headers.get("content-type"),
        "body": bytes(response.body),
    }
    await session.execute(
        insert(IdempotencyKey)
        .values(user_id=pedido.usuario_id, key=pedido.clave, **valores)
        .on_conflict_do_update(
            index_elements=[IdempotencyKey.user_id, IdempotencyKey.key],
            set_={getattr(IdempotencyKey, k).name: v for k, v in valores.items()},
        )
    )


async def _recordar(request: Request, pedido: Pedido, response: Response) -> None:
    """Store the answer in the request's own transaction when it has one (it commits with the
    effect, right after this route returns); otherwise in a transaction of its own."""
    session: AsyncSession | None = getattr(request.state, "session", None)
    if session is not None and session.in_transaction():
        await _guardar(session, pedido, response)
        return
    async with transaction(request.app.state.sessions) as own:
        await _guardar(own, pedido, response)


class IdempotentRoute(APIRoute):
    """Route class for a service's routers: honours `Idempotency-Key` on unsafe methods."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            pedido = await _pedido(request)
            if pedido is None:
                return await handler(request)
            sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
            anterior = await _guardada(sessions, pedido)
            if anterior is not None:
                return _repetir(anterior, pedido)
            request.state.in_transaction = [lambda session: reclamar(session, pedido)]
            response = await handler(request)
            if response.status_code < 500 and hasattr(response, "body"):
                await _recordar(request, pedido, response)
            return response

        return route


def _repetir(anterior: IdempotencyKey, pedido: Pedido) -> Response:
    if anterior.fingerprint != pedido.huella:
        raise DatoInvalido(
            "La Idempotency-Key ya se usó con otra solicitud; use una clave nueva para esta."
        )
    if anterior.status_code is None:  # only for routes that own their transaction: still running
        raise _en_curso()
    response = Response(anterior.body or b"", status_code=anterior.status_code)
    if anterior.content_type:
        response.headers["content-type"] = anterior.content_type
    response.headers["Idempotent-Replayed"] = "true"
    return response
