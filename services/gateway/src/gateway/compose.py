"""Views composed from several services, asked in parallel with the caller's own token."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
from fastapi import Request
from fastapi.responses import JSONResponse, Response

from gateway.proxy import forward_headers
from gateway.settings import Settings
from gateway.upstreams import base_url
from sigexp_common.errors import NoDisponible


async def _get(
    client: httpx.AsyncClient, url: str, headers: dict[str, str]
) -> httpx.Response | None:
    try:
        return await client.get(url, headers=headers)
    except httpx.HTTPError:
        return None


async def detalle_expediente(
    client: httpx.AsyncClient, settings: Settings, request: Request, expediente_id: uuid.UUID
) -> Response:
    """`{expediente, pases, tenencia, archivos, anotaciones, historial}`.

    The expediente itself decides the answer (404/403 pass through unchanged). The other parts
    are best effort: a part that is not available yet is listed in `incompletos`.
    """
    headers = forward_headers(request)
    headers.pop("content-type", None)
    path = f"/api/v1/expedientes/{expediente_id}"
    expediente, pases, archivos = await asyncio.gather(
        _get(client, base_url(settings, "expedientes") + path, headers),
        _get(client, base_url(settings, "pases") + path + "/pases", headers),
        _get(client, base_url(settings, "archivos") + path + "/archivos", headers),
    )
    if expediente is None:
        raise NoDisponible("El servicio de expedientes no responde en este momento.")
    if expediente.status_code != 200:
        return Response(
            expediente.content,
            status_code=expediente.status_code,
            media_type=expediente.headers.get("content-type"),
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
    if pases is not None and pases.status_code == 200:
        recorrido = pases.json()
        body["pases"], body["tenencia"] = recorrido["items"], recorrido["tenencia"]
    else:
        body["incompletos"].append("pases")
    if archivos is not None and archivos.status_code == 200:
        body["archivos"] = archivos.json().get("items", [])
    else:
        body["incompletos"].append("archivos")
    return JSONResponse(body)
