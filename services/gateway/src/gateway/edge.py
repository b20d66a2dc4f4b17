"""What the gateway refuses or rewrites at the edge, before a request is routed to a service
and before an answer leaves: bytes in headers, dot segments, internal addresses, the caller's
address."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Collection
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.types import Scope

from gateway.settings import Network
from sigexp_common.errors import PeticionInvalida

DOT_SEGMENTS = frozenset({".", ".."})


def check_request(request: Request) -> None:
    """Header bytes outside printable ASCII are refused rather than passed on re-encoded (a
    service would read other characters than the client wrote). The path is refused when it
    holds dot segments or empty segments, written plainly or percent-encoded: it is never
    routed as it is and never normalised into another route."""
    for name, value in request.scope["headers"]:
        if not value.isascii() or not name.isascii():
            cabecera = name.decode("latin-1")
            raise PeticionInvalida(
                f"La cabecera {cabecera!r} contiene caracteres no admitidos (solo ASCII)."
            )
    segments = request.scope["path"].split("/")[1:]
    # A trailing slash (an empty last segment) is allowed: the service answers it.
    if any(s in DOT_SEGMENTS for s in segments) or "" in segments[:-1]:
        raise PeticionInvalida("La dirección solicitada contiene segmentos no admitidos.")


def public_location(location: bytes, internal_origins: Collection[str]) -> bytes:
    """A `Location` that points at a service (its trailing-slash redirect names the internal
    address it was reached at) becomes relative to the gateway; any other passes unchanged."""
    text = location.decode("latin-1")
    parts = urlsplit(text)
    if not parts.scheme or f"{parts.scheme}://{parts.netloc}".lower() not in internal_origins:
        return location
    relative = parts.path or "/"
    if parts.query:
        relative += "?" + parts.query
    if parts.fragment:
        relative += "#" + parts.fragment
    return relative.encode("latin-1")


def client_address(request: Request, trusted: tuple[Network, ...]) -> str:
    """The caller's address, which services use for audit and per-address login limits.

    The peer, unless the peer is one of the trusted proxies in front of the gateway: then the
    right-most X-Forwarded-For entry that is not a trusted proxy (entries left of it were
    written by whoever called the proxy, and are not believed). An entry that is not an address
    stops the walk: the proxy that wrote it is the caller as far as the gateway can tell.
    """
    peer = request.client.host if request.client else ""
    return forwarded_address(peer, request.headers.getlist("x-forwarded-for"), trusted)


def address_of(trusted: tuple[Network, ...]) -> Callable[[Scope], str]:
    """The same rule over an ASGI scope (for a request-context middleware's `address_of`)."""

    def of(scope: Scope) -> str:
        client = scope.get("client")
        headers = [v.decode("latin-1") for k, v in scope["headers"] if k == b"x-forwarded-for"]
        return forwarded_address(client[0] if client else "", headers, trusted)

    return of


def forwarded_address(peer: str, forwarded: list[str], trusted: tuple[Network, ...]) -> str:
    """`peer`, or walking `forwarded` (every X-Forwarded-For line, in order) from the right
    while the hop that wrote the entry is a trusted proxy."""
    address = peer
    chain = [p.strip() for value in forwarded for p in value.split(",")]
    while chain and _is_trusted(address, trusted):
        entry = chain.pop()
        try:
            address = str(ipaddress.ip_address(entry))
        except ValueError:
            break
    return address


def _is_trusted(address: str, trusted: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)
