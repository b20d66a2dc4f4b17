"""Views composed from several services, asked in parallel with the caller's own token.

The owner of the main resource decides the answer: its 403/404 pass through unchanged, and
when it does not answer the view is a 503 with `Retry-After`. Every other part has a budget
(`PART_BUDGET_SECONDS`, 300 ms, or until the main part has come when that is later): a part
that fails, is refused or is late is left out and named in `incompletos`, and the view is
still a 200 (the UI asks again later). A late part is not cancelled: it finishes on its own
and its keep-alive connection goes back to the pool (`Upstreams.leave`).

The parts are spliced as the services wrote them where their shape allows it (no parsing and
serialising again of what is only passed on).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from gateway.client import UPSTREAM_ERRORS, Upstreams
from gateway.proxy import forward_headers
from sigexp_common.errors import NoDisponible

# Sent with the secondary parts of a composed read: the main part's record covers them
# (`sigexp_common.context.parte_de`; a service believes it only with the gateway's secret).
PART_OF = "x-sigexp-parte-de"
PART = "expediente.ver"  # the record that covers a detail's secondary parts
JSON = "application/json"


@dataclass(frozen=True)
class Parte:
    status: int
    body: bytes
    content_type: str | None

    @property
    def ok(self) -> bool:
        return self.status == 200

    def json(self) -> Any:
        return json.loads(self.body)


def part_headers(request: Request, part_of: str | None = None) -> list[tuple[str, str]]:
    headers = [(k, v) for k, v in forward_headers(request) if k != "content-type"]
    if part_of is not None:
        headers.append((PART_OF, part_of))
    return headers


async def get_part(
    upstreams: Upstreams, service: str, path: str, headers: list[tuple[str, str]]
) -> Parte | None:
    """The service's answer, or None when it did not answer."""
    upstream = upstreams[service]
    try:
        answer = await upstreams.request(upstream, "GET", upstream.url(path), headers, None)
        async with answer:
            return Parte(answer.status, await answer.read(), answer.headers.get("content-type"))
    except UPSTREAM_ERRORS as exc:
        upstream.failed(exc)
        return None


async def settle(
    upstreams: Upstreams, parts: list[asyncio.Task[Parte | None]], until: float
) -> list[Parte | None]:
    """Each part that has come by `until` (the loop's clock), None for the others, which are
    left to finish on their own (`Upstreams.leave`: not cancelled, their connections stay)."""
    try:
        pending = [part for part in parts if not part.done()]
        remaining = until - asyncio.get_running_loop().time()
        if pending and remaining > 0:
            await asyncio.wait(pending, timeout=remaining)
        return [part.result() if part.done() else None for part in parts]
    finally:
        for part in parts:
            upstreams.leave(part)  # the late ones, and all of them when this request is cancelled


async def within(
    upstreams: Upstreams, budget: float, part: Awaitable[Parte | None]
) -> Parte | None:
    """`part` if it comes within `budget` seconds, else None."""
    until = asyncio.get_running_loop().time() + budget
    return (await settle(upstreams, [asyncio.ensure_future(part)], until))[0]


def main_part(service: str, part: Parte | None, what: str) -> Parte | Response:
    """The main part when it is a 200; its own answer when it refused; 503 when absent."""
    if part is None:
        raise NoDisponible(
            f"El servicio de {service} no responde en este momento: no se puede mostrar "
            f"{what}. Intente nuevamente en unos segundos.",
            retry_after=5,
        )
    if not part.ok:
        return Response(part.body, status_code=part.status, media_type=part.content_type)
    return part


def _inner(body: bytes) -> bytes | None:
    """The members of a JSON object as written (`{"a":1,"b":2}` → `"a":1,"b":2`)."""
    text = body.strip()
    if text[:1] != b"{" or text[-1:] != b"}":
        return None
    return text[1:-1].strip()


def _field(body: bytes, name: str) -> bytes | None:
    """The value of an object's only member `name`, as written (`{"items":[..]}` → `[..]`)."""
    prefix = b'{"' + name.encode() + b'":'
    text = body.strip()
    if not text.startswith(prefix) or text[-1:] != b"}":
        return None
    return text[len(prefix) : -1]


def _pases(part: Parte) -> tuple[bytes, bytes]:
    """pases' route answer `{"items": [...], "tenencia": {...}}` as its two values."""
    text = part.body.strip()
    cut = text.rfind(b',"tenencia":')  # tenencia is last, and holds no member of that name
    if text.startswith(b'{"items":') and cut > 0 and text[-1:] == b"}":
        return text[len(b'{"items":') : cut], text[cut + len(b',"tenencia":') : -1]
    recorrido = part.json()
    return json.dumps(recorrido["items"]).encode(), json.dumps(recorrido["tenencia"]).encode()


async def detalle_expediente(
    upstreams: Upstreams, request: Request, expediente_id: uuid.UUID
) -> Response:
    """`{expediente, anotaciones, historial, pases, tenencia, archivos, incompletos}`:
    expedientes' share in one request (one audit record, naming the parts), pases and archivos
    in parallel within their budget."""
    budget = request.app.state.settings.part_budget_seconds
    path = f"/api/v1/expedientes/{expediente_id}"
    parte = part_headers(request, PART)
    loop = asyncio.get_running_loop()
    until = loop.time() + budget
    secondary = [
        asyncio.ensure_future(get_part(upstreams, "pases", path + "/pases", parte)),
        asyncio.ensure_future(get_part(upstreams, "archivos", path + "/archivos", parte)),
    ]
    try:
        expediente = await get_part(
            upstreams, "expedientes", path + "/detalle", part_headers(request)
        )
    except BaseException:  # this request was cancelled: the parts still finish on their own
        for part in secondary:
            upstreams.leave(part)
        raise
    # The secondary parts are waited for until their budget or until the main part has come,
    # whichever is later: a view slower than the budget because of its main part (a loaded
    # machine) is not also left without the parts that came meanwhile. Not at all when the
    # main part refused or is missing: that is the answer.
    served = expediente is not None and expediente.ok
    pases, archivos = await settle(upstreams, secondary, max(until, loop.time()) if served else 0)
    main = main_part("expedientes", expediente, "el expediente")
    if isinstance(main, Response):
        return main
    members = _inner(main.body)
    if members is None:
        raise upstreams["expedientes"].unavailable()
    incompletos: list[str] = []
    items, tenencia = b"[]", b"null"
    if pases is not None and pases.ok:
        items, tenencia = _pases(pases)
    else:
        incompletos.append("pases")
    lista = _field(archivos.body, "items") if archivos is not None and archivos.ok else None
    if lista is None:
        incompletos.append("archivos")
    body = b"".join(
        (
            b"{",
            members,
            b',"pases":',
            items,
            b',"tenencia":',
            tenencia,
            b',"archivos":',
            lista or b"[]",
            b',"incompletos":',
            json.dumps(incompletos).encode(),
            b"}",
        )
    )
    return Response(body, media_type=JSON)
