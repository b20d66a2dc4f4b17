"""HTTP routes of the expedientes service, one module per group of use cases."""

from __future__ import annotations

from fastapi import APIRouter

from expedientes.routes import (
    anotaciones,
    conexos,
    consulta_global,
    detalle,
    edicion,
    expedientes,
)

ROUTERS: list[APIRouter] = [
    detalle.router,  # first: /expedientes/resumenes before /expedientes/{id}
    expedientes.router,
    consulta_global.router,
    edicion.router,
    anotaciones.router,
    conexos.router,
]
