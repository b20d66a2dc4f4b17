"""Audit helper: every action, read and refusal leaves a `sigexp.acceso.registrado.v1` record.

Three ways, one record:
- `registrar(db, ...)` inside an action: the record travels through the caller's outbox, so
  the action and its record commit together.
- `await lectura(db, ...)` for a read: the record is group-committed with those of concurrent
  reads (`sigexp_common.audit_batch`) and the call returns once it is durable, so the answer
  is never sent before its record is stored; 503 when the batch could not be committed.
- `raise denegar(error, ...)` to refuse: the request session commits its record, then answers.
"""

from __future__ import annotations

import ipaddress
import json
import math
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, TypeVar

from pydantic import BeforeValidator, Field
from sqlalchemy.ext.asyncio import AsyncSession

from sigexp_common import context, outbox
from sigexp_common.envelope import Envelope, Event, utcnow
from sigexp_common.errors import ErrorDominio
from sigexp_common.security import Usuario

if TYPE_CHECKING:
    from sigexp_common.audit_batch import AuditBatcher

DENEGADO = "DENEGADO"
E = TypeVar("E", bound=ErrorDominio)

# Bounds of every field of the record. Whatever a client sends (a 254-character user name, a
# forged X-Forwarded-For, a long query) the record fits auditoria's columns, so it can never
# become a poison message that blocks the chain.
MARCA = "…[truncado]"
MAX_USUARIO, MAX_PERFIL, MAX_ACCION, MAX_RECURSO = 200, 30, 100, 300
MAX_IP, MAX_RESULTADO, MAX_REQUEST_ID = 64, 30, 100
MAX_TEXTO_DETALLE, MAX_CLAVES_DETALLE, MAX_PROFUNDIDAD = 500, 50, 4
MAX_BYTES_DETALLE = 8192
IP_INVALIDA = "invalida:"


def acotar(valor: str, maximo: int) -> str:
    """`valor` without NUL characters (PostgreSQL stores none) nor lone surrogates (JSON lets
    `"\\ud800"` through; UTF-8 and JSONB refuse it: it becomes `?`), and at most `maximo`
    characters, ending in `MARCA` when it was cut."""
    limpio = valor.replace("\x00", "")
    if not limpio.isascii():
        limpio = limpio.encode("utf-8", "replace").decode("utf-8")
    if len(limpio) <= maximo:
        return limpio
    return limpio[: maximo - len(MARCA)] + MARCA


def normalizar_ip(valor: object) -> str | None:
    """A valid address in its canonical form; anything else kept, marked and cut."""
    if valor is None or valor == "":
        return None
    texto = str(valor).strip()
    if texto.startswith(IP_INVALIDA):  # already marked (parsed again by auditoria): idempotent
        return acotar(texto, MAX_IP)
    try:  # an IPv6 address may carry a zone of any length (`fe80::1%<anything>`): bounded too
        return acotar(str(ipaddress.ip_address(texto)), MAX_IP)
    except ValueError:
        return acotar(IP_INVALIDA + texto, MAX_IP)


def _valor(valor: Any, profundidad: int) -> Any:
    if valor is None or isinstance(valor, bool | int):
        return valor
    if isinstance(valor, float):  # JSONB refuses NaN and infinities
        return valor if math.isfinite(valor) else str(valor)
    if isinstance(valor, str):
        return acotar(valor, MAX_TEXTO_DETALLE)
    if profundidad >= MAX_PROFUNDIDAD:
        return acotar(json.dumps(valor, default=str, ensure_ascii=False), MAX_TEXTO_DETALLE)
    if isinstance(valor, dict):
        return _dict(valor, profundidad + 1)
    if isinstance(valor, list | tuple | set):
        items = [_valor(v, profundidad + 1) for v in list(valor)[:MAX_CLAVES_DETALLE]]
        return [*items, MARCA] if len(valor) > MAX_CLAVES_DETALLE else items
    return acotar(str(valor), MAX_TEXTO_DETALLE)


def _dict(valor: dict[Any, Any], profundidad: int) -> dict[str, Any]:
    # The count of keys left out travels under MARCA; bounding twice keeps it as it was.
    previas = valor.get(MARCA)
    ya_omitidas = previas if isinstance(previas, int) else 0
    items = [(k, v) for k, v in valor.items() if k != MARCA]
    acotado = {
        acotar(str(k), MAX_ACCION): _valor(v, profundidad) for k, v in items[:MAX_CLAVES_DETALLE]
    }
    omitidas = ya_omitidas + max(0, len(items) - MAX_CLAVES_DETALLE)
    if omitidas:
        acotado[MARCA] = omitidas
    return acotado


def acotar_detalle(valor: object) -> dict[str, Any]:
    """Strings, lists, keys, nesting and the whole serialised size bounded."""
    if not isinstance(valor, dict):
        return {} if valor is None else {"valor": _valor(valor, 1)}
    acotado = _dict(valor, 1)
    serializado = json.dumps(acotado, default=str, ensure_ascii=False)
    if len(serializado.encode()) <= MAX_BYTES_DETALLE:
        return acotado
    return {"resumen": acotar(serializado, MAX_BYTES_DETALLE // 4)}


def _texto(maximo: int) -> BeforeValidator:
    return BeforeValidator(lambda v: v if v is None else acotar(str(v), maximo))


Texto200 = Annotated[str | None, _texto(MAX_USUARIO)]
Perfil30 = Annotated[str | None, _texto(MAX_PERFIL)]
Accion100 = Annotated[str, _texto(MAX_ACCION)]
Recurso300 = Annotated[str | None, _texto(MAX_RECURSO)]
Resultado30 = Annotated[str, _texto(MAX_RESULTADO)]
RequestId100 = Annotated[str | None, _texto(MAX_REQUEST_ID)]
Ip = Annotated[str | None, BeforeValidator(normalizar_ip)]
Detalle = Annotated[dict[str, Any], BeforeValidator(acotar_detalle)]
"""Field types of the record, bounded on parsing: the emitter's model and auditoria's copy use
them, so what is emitted and what is stored obey the same limits."""


class AccesoRegistrado(Event):
    """Platform-wide audit record (the one event schema every service shares by design)."""

    event_type: ClassVar[str] = "sigexp.acceso.registrado.v1"

    en: datetime = Field(default_factory=utcnow)
    usuario_id: uuid.UUID | None = None
    usuario: Texto200 = None
    perfil: Perfil30 = None
    mesa_id: uuid.UUID | None = None
    organismo_id: uuid.UUID | None = None
    ip: Ip = None
    accion: Accion100
    recurso: Recurso300 = None
    expediente_id: uuid.UUID | None = None
    resultado: Resultado30 = "ok"
    detalle: Detalle = Field(default_factory=dict)
    request_id: RequestId100 = None

    def subject(self) -> str | None:
        return str(self.expediente_id) if self.expediente_id else self.recurso


def _registro(
    por: Usuario | None,
    accion: str,
    recurso: str | None,
    expediente_id: uuid.UUID | None,
    resultado: str,
    detalle: dict[str, Any] | None,
    usuario: str | None,
) -> AccesoRegistrado:
    return registro(
        por,
        accion,
        recurso,
        expediente_id=expediente_id,
        resultado=resultado,
        detalle=detalle,
        usuario=usuario,
    )


def registro(
    por: Usuario | None,
    accion: str,
    recurso: str | None = None,
    *,
    expediente_id: uuid.UUID | None = None,
    resultado: str = "ok",
    detalle: dict[str, Any] | None = None,
    usuario: str | None = None,
) -> AccesoRegistrado:
    """The record `registrar` queues, for a caller that stores it with others at once
    (`outbox.insertar`), in the action's transaction all the same."""
    return AccesoRegistrado(
        usuario_id=por.id if por else None,
        usuario=por.usuario if por else usuario,
        perfil=por.perfil if por else None,
        mesa_id=por.mesa_id if por else None,
        organismo_id=por.organismo_id if por else None,
        ip=context.client_address.get(),
        accion=accion,
        recurso=recurso,
        expediente_id=expediente_id,
        resultado=resultado,
        detalle=detalle or {},
        request_id=context.request_id.get(),
    )


def registrar(
    session: AsyncSession,
    por: Usuario | None,
    accion: str,
    recurso: str | None = None,
    *,
    expediente_id: uuid.UUID | None = None,
    resultado: str = "ok",
    detalle: dict[str, Any] | None = None,
    usuario: str | None = None,
) -> Envelope:
    """Record who did `accion` on `recurso`, from where, with what outcome."""
    record = _registro(por, accion, recurso, expediente_id, resultado, detalle, usuario)
    return outbox.add(session, record)


BATCHER = "audit_batcher"  # where a session's `info` holds its process's `AuditBatcher`
AUTOCOMMIT = "autocommit"  # set in a session's `info` when it runs without a transaction


async def lectura(
    session: AsyncSession,
    por: Usuario | None,
    accion: str,
    recurso: str | None = None,
    *,
    expediente_id: uuid.UUID | None = None,
    detalle: dict[str, Any] | None = None,
) -> Envelope:
    """Record a read and return once the record is committed (with those of concurrent reads).

    Raises `NoDisponible` (503) when its batch could not be committed: the read must not be
    answered. A session without a batcher (a script, a test without the app's lifespan) writes
    the record in its own transaction instead, as `registrar` does."""
    record = _registro(por, accion, recurso, expediente_id, "ok", detalle, None)
    batcher: AuditBatcher | None = session.info.get(BATCHER)
    if batcher is None:
        return outbox.add(session, record)
    envelope = outbox.envelope(session.info, record)
    if session.info.get(AUTOCOMMIT):
        # Nothing to commit (`db.Session` of a GET): the connection goes back to the pool while
        # the batch fills and commits, instead of waiting with it (the session stays usable).
        await session.commit()
    await batcher.registrar(envelope)
    return envelope


def denegar(
    error: E,
    por: Usuario | None,
    accion: str,
    recurso: str | None = None,
    *,
    expediente_id: uuid.UUID | None = None,
    detalle: dict[str, Any] | None = None,
    usuario: str | None = None,
    conservar: bool = False,
) -> E:
    """`raise audit.denegar(SinPermiso(...), por, "expediente.ver", ...)`: the one way to refuse.

    The request session (`db.Session`) commits the refusal's audit record before answering
    the error. Whatever the use case wrote before refusing is rolled back, unless
    `conservar=True` says the refusal itself must keep it (a failed login's attempt and lock,
    a reused refresh token's revoked family): then it commits together with the record.
    A missing resource and an out-of-scope one are refused the same way, so both cost the
    same and neither answer tells them apart.
    """
    # The refusal's own facts last: a caller's `detalle` cannot overwrite them.
    detalle_ = {**(detalle or {}), "motivo": error.slug, "estado": error.status}
    error.registro = _registro(por, accion, recurso, expediente_id, DENEGADO, detalle_, usuario)
    error.conservar = conservar
    return error
