"""Gateway routes: composed views first, then everything else forwarded to its owner.

Every request goes through `admit` before it reaches a service: the edge checks (header bytes,
dot segments), the caller's address rate limit, the body limit of its route class, the token
(unless the route is public) and the user's rate limit. A refused request reaches no service.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gateway import auditoria, compose, compose_listas
from gateway.edge import check_request
from gateway.limits import Limiters, body_limit, check_declared_length
from gateway.proxy import forward
from gateway.upstreams import is_public, service_for
from sigexp_common import context
from sigexp_common.errors import NoEncontrado

router = APIRouter()


async def _verify_token(request: Request) -> str | None:
    """The first wall: a request without a valid token never reaches a service. Once per
    request, composed views included: the verifier's cache (sigexp_common) serves a repeat.
    The token's subject (for the user's rate limit), None on a public route."""
    if is_public(request.method, request.url.path):
        return None
    # signature, expiry and the revoked sessions; a refused token is recorded for audit
    claims = await auditoria.verificar(request)
    return str(claims.get("sub", ""))


async def admit(request: Request, *, checked: bool = False) -> None:
    if not checked:
        check_request(request)
    limiters: Limiters = request.app.state.limiters
    if limiters.address.enabled:
        limiters.address.take(context.client_address.get() or "")
    check_declared_length(
        request, body_limit(request.app.state.settings, request.method, request.url.path)
    )
    subject = await _verify_token(request)
    if subject is not None and limiters.user.enabled:
        limiters.user.take(subject)


@router.get("/api/v1/expedientes/{expediente_id}", include_in_schema=False)
async def detalle_expediente(expediente_id: uuid.UUID, request: Request) -> Response:
    await admit(request)
    return await compose.detalle_expediente(request.app.state.upstreams, request, expediente_id)


async def listado_expedientes(request: Request) -> Response:
    """The listing; with `?con=tenencia` each row gains its desk and time waiting (pases)."""
    await admit(request)
    if "tenencia" in request.query_params.getlist("con"):
        return await compose_listas.listado_con_tenencia(request.app.state.upstreams, request)
    return await forward(request.app.state.upstreams, request, "expedientes")


async def en_mesa(request: Request) -> Response:
    """The desk's list, each pase with its expediente's summary from expedientes."""
    await admit(request)
    return await compose_listas.en_mesa(request.app.state.upstreams, request)


async def forward_to_owner(request: Request) -> Response:
    check_request(request)  # before routing: the path decides the service
    service = service_for(request.url.path)
    if service is None:
        raise NoEncontrado("La dirección solicitada no existe en la API.")
    await admit(request, checked=True)
    return await forward(request.app.state.upstreams, request, service)


# Plain Starlette routes: the forwarded path needs no parameters parsed, no dependencies and
# no answer validated (FastAPI's machinery for those: ~3% of the gateway's CPU, py-spy).
router.add_route("/api/v1/expedientes", listado_expedientes, methods=["GET"])
router.add_route("/api/v1/mesa/en-mesa", en_mesa, methods=["GET"])
router.add_route(
    "/api/v1/{path:path}",
    forward_to_owner,
    methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
    include_in_schema=False,
)
router.add_route(
    "/.well-known/jwks.json", forward_to_owner, methods=["GET"], include_in_schema=False
)
