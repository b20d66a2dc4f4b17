"""Forwarding a request to the service that owns the path.

Small JSON answers are read whole and answered in one piece (the common case, and the cheap
one). Files and anything large stream both ways: the request body goes up as the client sends
it, the answer comes down as the service sends it, so a 500 MB upload or download never sits
in the gateway's memory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import quote

import aiohttp
from fastapi import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Message, Receive, Scope, Send

from gateway.client import UPSTREAM_ERRORS, Upstream, Upstreams
from gateway.edge import client_address, public_location
from sigexp_common import context, tracing

HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
    "te", "trailer", "trailers", "transfer-encoding", "upgrade",
})  # fmt: skip
# aiohttp writes Host and the body's framing itself; Expect was already answered to the client.
GATEWAY_HEADER = "x-sigexp-gateway"
NOT_FORWARDED = HOP_BY_HOP | {
    "host", "content-length", "expect", "x-request-id", "x-forwarded-for", "forwarded",
    GATEWAY_HEADER,
}  # fmt: skip
# The gateway's own server writes Date and Server; the framing is the gateway's to choose.
NOT_ANSWERED = HOP_BY_HOP | {"date", "server", "content-length"}
BODYLESS_STATUS = frozenset({204, 304})

Headers = list[tuple[str, str]]


def _connection_named(values: list[str]) -> set[str]:
    """Headers the sender declared hop-by-hop in `Connection: a, b`."""
    return {name.strip().lower() for value in values for name in value.split(",") if name.strip()}


def forward_headers(request: Request) -> Headers:
    """The client's headers minus hop-by-hop ones, plus exactly one `X-Forwarded-For` (the
    gateway's view of the caller) and `X-Sigexp-Gateway`, the secret by which a service knows
    that address comes from the gateway (a client's own copy of either is dropped)."""
    state = request.app.state
    dropped = NOT_FORWARDED | _connection_named(request.headers.getlist("connection"))
    headers = [(k, v) for k, v in request.headers.items() if k not in dropped]
    headers.append(("x-request-id", context.request_id.get() or context.new_request_id()))
    headers.extend(tracing.outgoing())  # the gateway's request span, when tracing is on
    headers.append(("x-forwarded-for", client_address(request, state.trusted_proxies)))
    headers.append((GATEWAY_HEADER, state.settings.gateway_secret))
    return headers


async def _request_body(
    request: Request, headers: Headers, buffer_max_bytes: int
) -> bytes | AsyncIterator[bytes] | None:
    """The body to send up: read whole when small and of known length, else streamed."""
    length = request.headers.get("content-length")
    if length is None and "transfer-encoding" not in request.headers:
        return None
    if length is not None and length.isdigit():
        if int(length) <= buffer_max_bytes:
            return await request.body()
        headers.append(("content-length", length))  # sent as is, not re-chunked
    return request.stream()


def _is_json(content_type: str | None) -> bool:
    media = (content_type or "").partition(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _buffered(answer: aiohttp.ClientResponse, buffer_max_bytes: int) -> bool:
    if answer.status in BODYLESS_STATUS:
        return True
    length = answer.content_length
    return length is not None and (
        length == 0 or (length <= buffer_max_bytes and _is_json(answer.content_type))
    )


def _answer_headers(
    answer: aiohttp.ClientResponse, internal_origins: frozenset[str]
) -> list[tuple[bytes, bytes]]:
    raw = [(k.lower(), v) for k, v in answer.raw_headers]
    dropped = NOT_ANSWERED | _connection_named(answer.headers.getall("connection", []))
    return [
        (k, public_location(v, internal_origins) if k == b"location" else v)
        for k, v in raw
        if k.decode("latin-1") not in dropped
    ]


async def _relay(upstream: Upstream, answer: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    """The answer's bytes as they arrive; aiohttp pauses reading while the client is slower."""
    try:
        async for chunk in answer.content.iter_any():
            yield chunk
    except UPSTREAM_ERRORS as exc:
        # The status already left: all that is left to do is cut the client's answer short.
        raise upstream.unavailable(exc) from exc


class Relayed(StreamingResponse):
    """A streamed upstream answer whose connection goes back to the pool (or is closed, when
    the client left halfway) however the streaming ends."""

    def __init__(
        self, upstream: Upstream, answer: aiohttp.ClientResponse, headers: list[tuple[bytes, bytes]]
    ) -> None:
        super().__init__(_relay(upstream, answer), status_code=answer.status)
        self.raw_headers = headers
        self.answer = answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        left = False

        async def noting_receive() -> Message:
            nonlocal left
            message = await receive()
            left = left or message["type"] == "http.disconnect"
            return message

        async def send_while_there(message: Message) -> None:
            # Once the client left, uvicorn's send returns at once and the relay would spin
            # on the service's bytes (aiohttp reads what is buffered without yielding, so the
            # response's cancel scope may never land): stop at the next block instead.
            if left:
                raise _ClientLeft
            await send(message)

        try:
            await super().__call__(scope, noting_receive, send_while_there)
        except _ClientLeft:
            pass
        finally:
            # Cut short: the service may still be sending, so that connection is closed
            # rather than pooled with the rest of its answer unread.
            if self.answer.content.at_eof():
                self.answer.release()
            else:
                self.answer.close()


class _ClientLeft(Exception):
    """The client went away while its answer was being relayed."""


def _raw_path(request: Request) -> str:
    raw: bytes | None = request.scope.get("raw_path")
    return raw.decode("latin-1") if raw else quote(request.url.path)


async def forward(upstreams: Upstreams, request: Request, service: str) -> Response:
    upstream = upstreams[service]
    settings = request.app.state.settings
    headers = forward_headers(request)
    body = await _request_body(request, headers, settings.buffer_max_bytes)
    url = upstream.url(_raw_path(request), request.scope["query_string"].decode("latin-1"))
    try:
        answer = await upstreams.request(upstream, request.method, url, headers, body)
    except UPSTREAM_ERRORS as exc:
        raise upstream.unavailable(exc) from exc
    passed = _answer_headers(answer, upstreams.origins)
    if not _buffered(answer, settings.buffer_max_bytes):
        length = answer.headers.get("content-length")
        if length is not None:  # a download keeps its size (progress bars, truncation seen)
            passed.append((b"content-length", length.encode("latin-1")))
        return Relayed(upstream, answer, passed)
    try:
        content = await answer.read()
    except UPSTREAM_ERRORS as exc:
        raise upstream.unavailable(exc) from exc
    finally:
        answer.release()
    buffered = Response(content, status_code=answer.status)
    buffered.raw_headers.extend(passed)
    return buffered
