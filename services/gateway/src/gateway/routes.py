"""Gateway routes: composed views first, then everything else forwarded to its owner."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gateway import auditoria, compose
from gateway.edge import check_request
from gateway.proxy import forward
from gateway.upstreams import is_public, service_for
from sigexp_common.errors import NoEncontrado

router = APIRouter()


async def _verify_token(request: Request) -> None:
    """The first wall: a request without a valid token never reaches a service. Once per
    request, composed views included: the verifier's cache (sigexp_common) serves a repeat."""
    if is_public(request.method, request.url.path):
        return
    await auditoria.verificar(request)  # signature, expiry, revoked sessions; refusals recorded


@router.get("/api/v1/expedientes/{expediente_id}", include_in_schema=False)
async def detalle_expediente(expediente_id: uuid.UUID, request: Request) -> Response:
    check_request(request)
    await _verify_token(request)
    return await compose.detalle_expediente(request.app.state.upstreams, request, expediente_id)


async def forward_to_owner(request: Request) -> Response:
    check_request(request)  # before routing: the path decides the service
    service = service_for(request.url.path)
    if service is None:
        raise NoEncontrado("La dirección solicitada no existe en la API.")
    await _verify_token(request)
    return await forward(request.app.state.upstreams, request, service)


# Plain Starlette routes: the forwarded path needs no parameters parsed, no dependencies and
# no answer validated (FastAPI's machinery for those: ~3% of the gateway's CPU, py-spy).
router.add_route(
    "/api/v1/{path:path}",
    forward_to_owner,
    methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
    include_in_schema=False,
)
router.add_route(
    "/.well-known/jwks.json", forward_to_owner, methods=["GET"], include_in_schema=False
)
