"""A tiny service over the real PostgreSQL for the HTTP edge tests: an audited read, a JSON
write, an ADMIN-only write, a route that takes large bodies, one with its own CSP, one that
fails unexpectedly. Built by `create_app` like every service, run with its lifespan."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from sigexp_common import audit, context
from sigexp_common.app import ServiceSpec
from sigexp_common.db import Session
from sigexp_common.migrations import SHARED_MIGRATIONS
from sigexp_common.security import Admin, CurrentUser
from sigexp_common.settings import ServiceSettings

SECRETO = "secreto-del-gateway-de-prueba"
GRANDE = 4 * 1024 * 1024  # what /grandes accepts; the service's default stays 1 MiB


class CosaIn(BaseModel):
    nombre: str = Field(min_length=3)
    cantidad: int = Field(ge=1)


def _router() -> APIRouter:
    router = APIRouter(prefix="/api/v1")

    @router.get("/cosas/{cosa_id}")
    async def ver(cosa_id: uuid.UUID, user: CurrentUser, db: Session) -> dict[str, Any]:
        await audit.lectura(db, user, "cosa.ver", f"cosa/{cosa_id}")
        return {"ip": context.client_address.get(), "request_id": context.request_id.get()}

    @router.post("/cosas", status_code=201)
    async def crear(body: CosaIn, user: CurrentUser) -> dict[str, Any]:
        return body.model_dump()

    @router.post("/admin/cosas", status_code=201)
    async def crear_como_admin(body: CosaIn, user: Admin) -> dict[str, Any]:
        return body.model_dump()

    @router.post("/grandes")
    async def grandes(request: Request, user: CurrentUser) -> dict[str, int]:
        recibidos = 0
        async for parte in request.stream():
            recibidos += len(parte)
        return {"bytes": recibidos}

    @router.get("/pagina")
    async def pagina() -> Response:
        return Response(
            "<p>hola</p>",
            media_type="text/html",
            headers={"Content-Security-Policy": "default-src 'self'"},
        )

    @router.get("/falla")
    async def falla() -> None:
        raise RuntimeError("falla de prueba")

    return router


def spec(database_url: str, amqp_url: str, **settings: Any) -> ServiceSpec:
    valores: dict[str, Any] = {
        "database_url": database_url,
        "amqp_url": amqp_url,
        "migrate_on_start": False,
        "run_relay": False,
        "run_consumers": False,
        "gateway_secret": SECRETO,
        **settings,
    }
    return ServiceSpec(
        name="borde",
        settings=ServiceSettings(**valores),
        migrations_dir=SHARED_MIGRATIONS,
        routers=[_router()],
        body_limits={"/api/v1/grandes": GRANDE},
    )
