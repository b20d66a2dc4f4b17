"""Lists composed from two services: a desk's en-mesa with each expediente's summary from
expedientes, and the expedientes listing with each row's custody from pases
(`?con=tenencia`). The list's owner decides the answer (as `compose.main_part`); the other
part has its budget and, when it fails or is late, the list answers without it, naming it in
`incompletos`."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from gateway.client import Upstreams
from gateway.compose import Parte, get_part, main_part, part_headers, within


def _query(request: Request, drop: str | None = None) -> str:
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k != drop]
    return urlencode(pairs)


def _with_query(path: str, query: str) -> str:
    return f"{path}?{query}" if query else path


async def _secondary(
    request: Request, upstreams: Upstreams, service: str, path: str, ids: list[str], param: str
) -> Parte | None:
    if not ids:
        return None
    query = urlencode([(param, i) for i in dict.fromkeys(ids)])
    budget = request.app.state.settings.part_budget_seconds
    return await within(
        upstreams,
        budget,
        get_part(upstreams, service, f"{path}?{query}", part_headers(request, "lista")),
    )


def _by_id(part: Parte | None, key: str) -> dict[str, Any] | None:
    if part is None or not part.ok:
        return None
    return {str(item[key]): item for item in part.json().get("items", [])}


async def en_mesa(upstreams: Upstreams, request: Request) -> Response:
    """pases' en-mesa; each item's `expediente` is expedientes' own summary of it (pases'
    copy stays where expedientes did not answer in time)."""
    path = _with_query("/api/v1/mesa/en-mesa", _query(request))
    parte = await get_part(upstreams, "pases", path, part_headers(request))
    main = main_part("pases", parte, "la lista de su mesa")
    if isinstance(main, Response):
        return main
    body: dict[str, Any] = main.json()
    items: list[dict[str, Any]] = body.get("items", [])
    ids = [str(item["expediente"]["id"]) for item in items if item.get("expediente")]
    resumen_de = "/api/v1/expedientes/resumenes"
    resumenes = _by_id(
        await _secondary(request, upstreams, "expedientes", resumen_de, ids, "id"), "id"
    )
    body["incompletos"] = []
    if resumenes is None and ids:
        body["incompletos"].append("expedientes")
    for item in items:
        expediente = item.get("expediente") or {}
        resumen = (resumenes or {}).get(str(expediente.get("id")))
        if resumen is not None:
            item["expediente"] = {**expediente, **resumen}
    return JSONResponse(body)


async def listado_con_tenencia(upstreams: Upstreams, request: Request) -> Response:
    """expedientes' listing (its filters and cursor as asked); each row gains `tenencia`:
    the desk that holds it (or it is on its way to), since when, and the seconds waiting."""
    path = _with_query("/api/v1/expedientes", _query(request, drop="con"))
    parte = await get_part(upstreams, "expedientes", path, part_headers(request))
    main = main_part("expedientes", parte, "la lista de expedientes")
    if isinstance(main, Response):
        return main
    body: dict[str, Any] = main.json()
    items: list[dict[str, Any]] = body.get("items", [])
    ids = [str(item["id"]) for item in items]
    tenencias = _by_id(
        await _secondary(request, upstreams, "pases", "/api/v1/tenencias", ids, "expediente_id"),
        "expediente_id",
    )
    body["incompletos"] = ["tenencia"] if tenencias is None and ids else []
    for item in items:
        tenencia = (tenencias or {}).get(str(item["id"]))
        item["tenencia"] = None if tenencia is None else _tenencia(tenencia)
    return JSONResponse(body)


def _tenencia(tenencia: dict[str, Any]) -> dict[str, Any]:
    return {
        "mesa_id": tenencia["mesa_id"],
        "mesa": tenencia.get("mesa"),
        "en_transito": tenencia["en_transito"],
        "permiso": tenencia["permiso"],
        "desde": tenencia["desde"],
        "tiempo_en_mesa_segundos": tenencia["tiempo_en_mesa_segundos"],
    }
