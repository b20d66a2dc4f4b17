"""HTTP routes of the auditoria service."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from auditoria import exportacion, service
from auditoria.models import Registro
from auditoria.schemas import RegistroOut, RegistrosOut, VerificacionOut
from auditoria.settings import Settings
from sigexp_common import entrada
from sigexp_common.db import Session
from sigexp_common.idempotency import IdempotentRoute
from sigexp_common.security import Admin, Perfil, Usuario, perfil_requerido

router = APIRouter(prefix="/api/v1", tags=["auditoria"], route_class=IdempotentRoute)

# Who may query the audit, checked before the filters are validated.
Auditor = Annotated[Usuario, perfil_requerido(Perfil.ADMIN, Perfil.AUTORIDAD)]


@router.get("/auditoria", response_model=RegistrosOut)
async def consultar(
    user: Auditor,
    db: Session,
    expediente_id: uuid.UUID | None = None,
    usuario_id: uuid.UUID | None = None,
    accion: Annotated[str | None, Query(max_length=100)] = None,
    desde: datetime | None = None,
    hasta: datetime | None = None,
    cursor: Annotated[str | None, Query(max_length=entrada.MAX_CURSOR)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> RegistrosOut:
    consulta = service.Consulta(expediente_id, usuario_id, accion, desde, hasta, cursor, limit)
    rows, siguiente = await service.consultar(db, consulta, por=user)
    return RegistrosOut(items=[_salida(r) for r in rows], next_cursor=siguiente)


@router.get("/auditoria/exportar", response_class=Response)
async def exportar(
    user: Auditor,
    db: Session,
    expediente_id: uuid.UUID | None = None,
    usuario_id: uuid.UUID | None = None,
    accion: Annotated[str | None, Query(max_length=100)] = None,
    desde: datetime | None = None,
    hasta: datetime | None = None,
) -> Response:
    consulta = service.Consulta(expediente_id, usuario_id, accion, desde, hasta)
    rows, truncada = await service.exportar(db, consulta, por=user)
    return Response(
        exportacion.csv_de(rows),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="auditoria.csv"',
            "X-Exportacion-Truncada": "true" if truncada else "false",
        },
    )


@router.get("/auditoria/verificacion", response_model=VerificacionOut)
async def verificar(request: Request, user: Admin, db: Session) -> VerificacionOut:
    settings: Settings = request.app.state.settings
    resultado = await service.verificar_cadena(db, por=user, amqp_url=settings.amqp_url)
    return VerificacionOut(**vars(resultado))


def _salida(r: Registro) -> RegistroOut:
    return RegistroOut(
        id=r.id,
        en=r.en,
        usuario={"id": r.usuario_id, "usuario": r.usuario, "perfil": r.perfil},
        accion=r.accion,
        recurso=r.recurso,
        expediente_id=r.expediente_id,
        ip=str(r.ip) if r.ip else None,
        resultado=r.resultado,
        servicio=r.servicio,
        detalle=r.detalle,
    )
