"""HTTP routes of the archivos service, by group (mirroring `service/`)."""

from fastapi import APIRouter

from archivos.routes import archivos, descarga, miniatura, subida

ROUTERS: list[APIRouter] = [subida.router, archivos.router, descarga.router, miniatura.router]
