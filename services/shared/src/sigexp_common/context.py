"""Per-request and per-message context: request id and client address, carried into events."""

from __future__ import annotations

import uuid
from contextvars import ContextVar

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
client_address: ContextVar[str | None] = ContextVar("client_address", default=None)
event_id: ContextVar[str | None] = ContextVar("event_id", default=None)
# The audit action of the composed read this request is a part of (`X-Sigexp-Parte-De`, believed
# only with the gateway's secret): that read's own record covers it, so the part records none.
parte_de: ContextVar[str | None] = ContextVar("parte_de", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex
