"""Views composed from several services, asked in parallel with the caller's own token."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from gateway.client import UPSTREAM_ERRORS, Upstreams
from gateway.proxy import forward_headers


@dataclass(frozen=True)
class Parte:
    status: int
    body: bytes
    content_type: str | None

    def json(self) -> Any:
        return json.loads(self.body)


async def _get(
    upstreams: Upstreams, service: str, path: str, headers: list[tuple[str, str]]
) -> Parte | None:
    upstream = upstreams[service]
    try:
        answer = await upstreams.request(upstream, "GET", upstream.url(path), headers, None)
        async with answer:
            return Parte(answer.status, await answer.read(), answer.headers.get("content-type"))
    except UPSTREAM_ERRORS as exc:
        upstream.failed(exc)
        return None


async def detalle_expediente(
    upstreams: Upstreams, request: Request, expediente_id: uuid.UUID
) -> Response:
    """`{expediente, pases, tenencia, archivos, anotaciones, historial}`.

    The expediente itself decides the answer (404/403 pass through unchanged). The other parts
    are best effort: a part that is not available yet is listed in `incompletos`.
    """
    headers = [(k, v) for k, v in forward_headers(request) if k != "content-type"]
    path = f"/api/v1/expedientes/{expediente_id}"
    expediente, pases, archivos = await asyncio.gather(
        _get(upstreams, "expedientes", path, headers),
        _get(upstreams, "pases", path + "/pases", headers),
        _get(upstreams, "archivos", path + "/archivos", headers),
    )
    if expediente is None:
        raise upstreams["expedientes"].unavailable()
    if expediente.status != 200:
        return Response(
            expediente.body, status_code=expediente.status, media_type=expediente.content_type
        )
    body: dict[str, Any] = {
        "expediente": expediente.json(),
        "pases": [],
        "tenencia": None,
        "archivos": [],
        "anotaciones": [],
        "historial": [],
        "incompletos": [],
    }
    if pases is not None and pases.status == 200:
        recorrido = pases.json()
        body["pases"], body["tenencia"] = recorrido["items"], recorrido["tenencia"]
    else:
        body["incompletos"].append("pases")
    if archivos is not None and archivos.status == 200:
        body["archivos"] = archivos.json().get("items", [])
    else:
        body["incompletos"].append("archivos")
    return JSONResponse(body)
