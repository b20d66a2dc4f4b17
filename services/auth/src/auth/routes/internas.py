"""Routes for the other services only: the gateway never forwards them (no `/api/v1`)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel

from auth.routes.deps import Config
from auth.service import revocaciones
from sigexp_common.db import Session
from sigexp_common.revocation import REVOCATIONS_PATH, Revocacion

router = APIRouter(tags=["interno"])


class RevocacionesOut(BaseModel):
    items: list[Revocacion]
    vigencia_segundos: float


@router.get(REVOCATIONS_PATH, response_model=RevocacionesOut)
async def revocaciones_vigentes(cfg: Config, db: Session, response: Response) -> RevocacionesOut:
    """The revoked sessions that may still void a living token: each verifier loads them at
    start and after every reconnection to the bus (`sigexp_common.revocation`)."""
    response.headers["Cache-Control"] = "no-store"
    lista = await revocaciones.lista_vigente(db, cfg)
    return RevocacionesOut(items=lista.items, vigencia_segundos=lista.vigencia_segundos)
