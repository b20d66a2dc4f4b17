"""Forwarding a request to the service that owns the path, streaming the answer back."""

from __future__ import annotations

import httpx
from fastapi import Request
from starlette.background import BackgroundTask
from starlette.responses import Response, StreamingResponse

from sigexp_common import context
from sigexp_common.errors import NoDisponible

HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
    "transfer-encoding", "upgrade", "host", "content-length",
}  # fmt: skip


SET_BY_SERVER = {"date", "server"}  # the gateway's own server writes these


def forward_headers(request: Request) -> dict[str, str]:
    headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
    headers["x-request-id"] = context.request_id.get() or context.new_request_id()
    headers["x-forwarded-for"] = client_address(request, request.app.state.settings.trusted_proxies)
    return headers


def client_address(request: Request, trusted_proxies: int) -> str:
    """The caller's address, which services use for audit and per-address login limits.

    Whatever a client writes in X-Forwarded-For is ignored, except the entries appended by the
    `trusted_proxies` proxies in front of the gateway (an ingress, a load balancer).
    """
    peer = request.client.host if request.client else ""
    if trusted_proxies <= 0:
        return peer
    chain = [p.strip() for p in request.headers.get("x-forwarded-for", "").split(",") if p.strip()]
    chain.append(peer)
    return chain[max(0, len(chain) - 1 - trusted_proxies)]


async def forward(client: httpx.AsyncClient, request: Request, url: str, service: str) -> Response:
    upstream = client.build_request(
        request.method,
        url,
        params=request.query_params,
        headers=forward_headers(request),
        content=request.stream(),
    )
    try:
        answer = await client.send(upstream, stream=True)
    except httpx.HTTPError as exc:
        raise NoDisponible(
            f"El servicio de {service} no responde en este momento. Intente nuevamente."
        ) from exc
    headers = {
        k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP | SET_BY_SERVER
    }
    return StreamingResponse(
        answer.aiter_raw(),
        status_code=answer.status_code,
        headers=headers,
        background=BackgroundTask(answer.aclose),
    )
