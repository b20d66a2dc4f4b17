"""HTTP route of the envío: one or many expedientes to one desk, with their remito."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from pases import permisos
from pases.schemas import EnvioIn, EnvioOut, PaseOut, RemitoOut
from pases.service import envio
from sigexp_common.db import Session
from sigexp_common.idempotency import IdempotentRoute
from sigexp_common.security import Usuario

router = APIRouter(prefix="/api/v1", tags=["pases"], route_class=IdempotentRoute)


@router.post("/pases", status_code=201, response_model=EnvioOut)
async def enviar(
    body: EnvioIn, user: Annotated[Usuario, permisos.de_mesa(envio.ACCION)], db: Session
) -> EnvioOut:
    pases, remito = await envio.enviar_pases(db, body, por=user)
    return EnvioOut(pases=[PaseOut.model_validate(p) for p in pases], remito=RemitoOut.de(remito))
