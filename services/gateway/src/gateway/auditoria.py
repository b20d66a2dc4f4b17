"""The gateway's own refusals in the audit record: a token it refuses (malformed, badly signed,
expired, revoked) leaves a `sigexp.acceso.registrado.v1` record, as a service's refusal does.

The refusal is made the one way every service makes it (`audit.denegar`); what differs is who
stores the record. The gateway keeps no database, so it has no outbox: the record goes straight
to the bus, persistent and with publisher confirms, to auditoria's queue (which dedupes by the
record's id, so a record published twice is chained once).

Why not wait for the confirm before answering 401: a refusal must not get slower, nor the
gateway hold a connection per refused request, when the broker is slow or away (a flood of
forged tokens would then tie the gateway up). So the record is queued in memory and the 401
leaves at once; one task publishes what is queued in batches, waits for every confirm, keeps
what was not confirmed and tries it again (every second while the broker is away). The queue is
bounded (`CAPACIDAD`): past it a record is dropped and counted
(`sigexp_gateway_auditoria_registros_total{resultado="descartado"}`, alert on it) rather than
letting a flood grow the gateway's memory. At shutdown the task gets `PLAZO_AL_CERRAR` seconds
to publish what is left. What is lost: the queued records of a gateway killed (SIGKILL, a
crash) before the broker confirmed them — seconds' worth at most while the broker is up.

Not recorded: a request with no token at all (nobody to name; every anonymous probe of the
API would fill the chain), and 503s (the gateway could not decide).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from typing import Any

import jwt
from fastapi import FastAPI, Request
from prometheus_client import Counter, Gauge

from sigexp_common import audit, outbox
from sigexp_common.broker import Broker
from sigexp_common.envelope import Envelope
from sigexp_common.errors import NoAutenticado
from sigexp_common.security import JwksVerifier, Usuario, bearer_token, verify_request

log = logging.getLogger("sigexp.gateway.auditoria")

ACCION = "auth.token_rechazado"
ORIGEN = {"source": "gateway"}  # the records' CloudEvents `source`: /sigexp/gateway
CAPACIDAD = 10_000  # records waiting for the broker, at most
LOTE = 200  # records published at once, each awaiting its confirm
PLAZO_AL_CERRAR = 5.0

REGISTROS = Counter(
    "sigexp_gateway_auditoria_registros_total",
    "Refusals of the gateway for the audit record (publicado: confirmed by the broker; "
    "descartado: dropped, the queue was full)",
    ["resultado"],
)
PENDIENTES = Gauge(
    "sigexp_gateway_auditoria_pendientes", "Refusal records waiting for the broker's confirm"
)


class Registrador:
    """The queue of refusal records and the task that publishes them."""

    def __init__(self, amqp_url: str, exchange: str) -> None:
        self.broker = Broker(amqp_url, exchange)
        self._pendientes: deque[Envelope] = deque()
        self._hay = asyncio.Event()
        self._vacia = asyncio.Event()  # nothing left to publish
        self._vacia.set()
        self._tarea = asyncio.create_task(self._publicar(), name="gateway-auditoria")

    def anotar(self, envelope: Envelope) -> bool:
        if len(self._pendientes) >= CAPACIDAD:
            REGISTROS.labels("descartado").inc()
            log.error("audit queue full: a refusal record was dropped", extra={"id": envelope.id})
            return False
        self._pendientes.append(envelope)
        self._vacia.clear()
        PENDIENTES.set(len(self._pendientes))
        self._hay.set()
        return True

    @property
    def pendientes(self) -> int:
        return len(self._pendientes)

    async def _publicar(self) -> None:
        await self.broker.connect_forever()
        while True:
            await self._hay.wait()
            self._hay.clear()
            while self._pendientes:
                lote = [self._pendientes[i] for i in range(min(LOTE, len(self._pendientes)))]
                resultados = await asyncio.gather(
                    *(self.broker.publish(e.to_bytes(), e.type, str(e.id)) for e in lote),
                    return_exceptions=True,
                )
                for _ in lote:
                    self._pendientes.popleft()
                fallidos = [e for e, r in zip(lote, resultados, strict=True) if r is not None]
                REGISTROS.labels("publicado").inc(len(lote) - len(fallidos))
                if fallidos:  # back in front, in their order; the broker gets a second
                    log.warning("refusal records not confirmed, retrying: %d", len(fallidos))
                    self._pendientes.extendleft(reversed(fallidos))
                    await asyncio.sleep(1.0)
                PENDIENTES.set(len(self._pendientes))
            self._vacia.set()

    async def cerrar(self) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(PLAZO_AL_CERRAR):
                await self._vacia.wait()
        if self._pendientes:
            log.error("gateway stopping with %d refusal records unpublished", self.pendientes)
        self._tarea.cancel()
        await asyncio.gather(self._tarea, return_exceptions=True)
        await self.broker.close()


def registrador(app: FastAPI) -> Registrador:
    """The app's queue, started with its first refusal."""
    actual: Registrador | None = getattr(app.state, "auditoria", None)
    if actual is None:
        settings = app.state.settings
        actual = app.state.auditoria = Registrador(settings.amqp_url, settings.exchange)
    return actual


async def cerrar(app: FastAPI) -> None:
    actual: Registrador | None = getattr(app.state, "auditoria", None)
    if actual is not None:
        await actual.cerrar()


def _quien(request: Request, token: str, error: NoAutenticado) -> tuple[Usuario | None, Any]:
    """(the user, when the token's signature was verified: expired or revoked; else None) and
    what the token claims (bounded in the record: it may be anybody's words)."""
    try:
        declarado = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None, None
    verifier: JwksVerifier = request.app.state.verifier
    firmado = isinstance(error.__cause__, jwt.ExpiredSignatureError)
    firmado = firmado or verifier.tokens.get(token) is not None  # verified, then revoked
    if firmado:
        with contextlib.suppress(KeyError, ValueError, TypeError):
            return Usuario.from_claims(declarado), None
    if not isinstance(declarado, dict):
        return None, None
    return None, {k: declarado.get(k) for k in ("sub", "usuario", "perfil") if k in declarado}


def _causa(usuario: Usuario | None, error: NoAutenticado) -> str:
    if isinstance(error.__cause__, jwt.ExpiredSignatureError):
        return "expirado"
    return "revocado" if usuario is not None else "invalido"


async def verificar(request: Request) -> dict[str, Any]:
    """`verify_request`, with the refusal of a token recorded (`audit.denegar`)."""
    try:
        return await verify_request(request)
    except NoAutenticado as error:
        try:
            token = bearer_token(request)
        except NoAutenticado:
            raise error from error.__cause__  # no token: nobody to record
        usuario, declarado = _quien(request, token, error)
        detalle = {"causa": _causa(usuario, error), "metodo": request.method}
        if declarado:
            detalle["declarado"] = declarado
        recurso = request.url.path
        rechazo = audit.denegar(error, usuario, ACCION, recurso, detalle=detalle)
        assert rechazo.registro is not None
        envelope = outbox.envelope(ORIGEN, rechazo.registro)
        rechazo.registrado = registrador(request.app).anotar(envelope)
        raise rechazo from error.__cause__
