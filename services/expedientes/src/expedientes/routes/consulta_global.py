"""HTTP route of the consulta global: any signed-in user, PUBLICO expedientes as summaries."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from expedientes.schemas import ResumenesOut, resumenes_json
from expedientes.service import consulta_global
from sigexp_common import entrada
from sigexp_common.db import Session
from sigexp_common.security import CurrentUser

router = APIRouter(prefix="/api/v1", tags=["consulta global"])


@router.get("/consulta-global", response_model=ResumenesOut)
async def consultar(
    user: CurrentUser,
    db: Session,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=entrada.MAX_CURSOR)] = None,
) -> Response:
    items, siguiente = await consulta_global.consultar(db, q, limit, cursor, por=user)
    # ResumenesOut, written at once (`schemas.resumenes_json`)
    return Response(resumenes_json(items, siguiente), media_type="application/json")
