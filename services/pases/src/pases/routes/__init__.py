"""HTTP routes of the pases service, one module per group of use cases."""

from __future__ import annotations

from fastapi import APIRouter

from pases.routes import mesa, recorrido, remitos

ROUTERS: list[APIRouter] = [recorrido.router, remitos.router, mesa.router]
