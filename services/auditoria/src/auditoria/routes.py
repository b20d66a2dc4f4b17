"""HTTP routes of the auditoria service."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from auditoria import anclas, exportacion, service, verificacion
from auditoria.models import Registro
from auditoria.schemas import AnclaOut, RegistroOut, RegistrosOut, VerificacionOut
from auditoria.settings import Settings
from sigexp_common import entrada
from sigexp_common.db import Session
from sigexp_common.idempotency import IdempotentRoute
from sigexp_common.security import Admin, Perfil, Usuario, perfil_requerido

# A filter is text a person typed: no NUL or other control characters (PostgreSQL refuses
# NUL in text, and a streamed export must fail before its first row, never halfway).
SIN_CONTROL = r"^[^\x00-\x1f\x7f]*$"

router = APIRouter(prefix="/api/v1", tags=["auditoria"], route_class=IdempotentRoute)

# Who may query the audit, checked before the filters are validated.
Auditor = Annotated[Usuario, perfil_requerido(Perfil.ADMIN, Perfil.AUTORIDAD)]


def _filtros(
    expediente_id: uuid.UUID | None = None,
    usuario_id: uuid.UUID | None = None,
    accion: Annotated[str | None, Query(max_length=100, pattern=SIN_CONTROL)] = None,
    resultado: Annotated[str | None, Query(max_length=30, pattern=SIN_CONTROL)] = None,
    request_id: Annotated[str | None, Query(max_length=100, pattern=SIN_CONTROL)] = None,
    desde: datetime | None = None,
    hasta: datetime | None = None,
) -> service.Consulta:
    """The selection of a query and of an export: the same filters, the same meaning."""
    return service.Consulta(
        expediente_id=expediente_id,
        usuario_id=usuario_id,
        accion=accion,
        resultado=resultado,
        request_id=request_id,
        desde=desde,
        hasta=hasta,
    )


Filtros = Annotated[service.Consulta, Depends(_filtros)]


@router.get("/auditoria", response_model=RegistrosOut)
async def consultar(
    user: Auditor,
    db: Session,
    consulta: Filtros,
    cursor: Annotated[str | None, Query(max_length=entrada.MAX_CURSOR)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> RegistrosOut:
    consulta.cursor, consulta.limit = cursor, limit
    rows, siguiente = await service.consultar(db, consulta, por=user)
    return RegistrosOut(items=[_salida(r) for r in rows], next_cursor=siguiente)


@router.get("/auditoria/exportar", response_class=StreamingResponse)
async def exportar(
    request: Request, user: Auditor, db: Session, consulta: Filtros
) -> StreamingResponse:
    await service.exportar(db, consulta, por=user)  # recorded before the first row leaves
    paginas = service.filas_exportadas(request.app.state.sessions, consulta)

    async def cuerpo() -> AsyncIterator[str]:
        async for parte in exportacion.csv_en_partes(paginas):
            yield parte

    return StreamingResponse(
        cuerpo(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="auditoria.csv"'},
    )


@router.get("/auditoria/ancla", response_model=AnclaOut)
async def ancla(user: Admin, db: Session) -> AnclaOut:
    actual = await anclas.ancla(db, por=user)
    return AnclaOut(seq=actual.seq, hash=actual.hash, en=actual.en, ancla=actual.texto)


@router.get("/auditoria/verificacion", response_model=VerificacionOut)
async def verificar(
    request: Request,
    user: Admin,
    db: Session,
    ancla: Annotated[list[str], Query(max_length=100)] = [],  # noqa: B006 (FastAPI copies it)
) -> VerificacionOut:
    settings: Settings = request.app.state.settings
    resultado = await verificacion.verificar_cadena(
        db, por=user, amqp_url=settings.amqp_url, anclas=anclas.leer(ancla)
    )
    return VerificacionOut(**vars(resultado))


def _salida(r: Registro) -> RegistroOut:
    return RegistroOut(
        id=r.id,
        seq=r.seq,
        en=r.en,
        usuario={"id": r.usuario_id, "usuario": r.usuario, "perfil": r.perfil},
        mesa_id=r.mesa_id,
        organismo_id=r.organismo_id,
        accion=r.accion,
        recurso=r.recurso,
        expediente_id=r.expediente_id,
        ip=str(r.ip) if r.ip else None,
        resultado=r.resultado,
        servicio=r.servicio,
        request_id=r.request_id,
        detalle=r.detalle,
    )
