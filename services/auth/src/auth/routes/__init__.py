"""HTTP entrypoints, at the public paths of shared/API.md (the gateway forwards them as is)."""

from auth.routes.catalogo import router as catalogo
from auth.routes.feriados import router as feriados
from auth.routes.internas import router as internas
from auth.routes.sesiones import router as sesiones
from auth.routes.usuarios import router as usuarios

routers = (sesiones, usuarios, catalogo, feriados, internas)
