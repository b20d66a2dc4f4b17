"""The printable remito and its public verification."""

from __future__ import annotations

import uuid
from typing import cast

from fastapi import APIRouter, Request, Response

from pases.schemas_mesa import VerificacionOut
from pases.service import remitos
from pases.settings import Settings
from sigexp_common import context
from sigexp_common.db import Session
from sigexp_common.idempotency import IdempotentRoute
from sigexp_common.security import CurrentUser

router = APIRouter(prefix="/api/v1", tags=["remitos"], route_class=IdempotentRoute)


def _settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


def _limite(request: Request) -> remitos.LimitePorDireccion:
    limite = getattr(request.app.state, "limite_verificaciones", None)
    if limite is None:
        limite = remitos.LimitePorDireccion(_settings(request).verificaciones_por_minuto)
        request.app.state.limite_verificaciones = limite
    return cast(remitos.LimitePorDireccion, limite)


@router.get("/remitos/verificar/{codigo}", response_model=VerificacionOut, tags=["publico"])
async def verificar(codigo: str, request: Request, db: Session) -> VerificacionOut:
    _limite(request).exigir(context.client_address.get())
    return await remitos.verificar_remito(db, codigo)


@router.get(
    "/remitos/{remito_id}.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def pdf(remito_id: uuid.UUID, request: Request, user: CurrentUser, db: Session) -> Response:
    remito, contenido = await remitos.pdf_del_remito(
        db, remito_id, user, _settings(request).url_publica
    )
    nombre = f"remito-{remito.numero}-{remito.anio}.pdf"
    return Response(
        contenido,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{nombre}"'},
    )
