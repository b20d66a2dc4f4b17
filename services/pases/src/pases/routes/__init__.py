"""HTTP routes of the pases service, one module per group of use cases."""

from __future__ import annotations

from fastapi import APIRouter

from pases.routes import acumulacion, envio, mesa, recepcion, recorrido, remitos, reversion

ROUTERS: list[APIRouter] = [
    envio.router,
    recepcion.router,
    reversion.router,
    recorrido.router,
    remitos.router,
    mesa.router,
    acumulacion.router,
]
