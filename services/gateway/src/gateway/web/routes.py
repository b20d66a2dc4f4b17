"""The UI's pages: one Jinja2 shell per screen, filled by that screen's script from /api/v1.

The shells hold the labels, the forms and the empty tables; nothing private is rendered on the
server (the token lives in the browser's sessionStorage), so a page costs no call to a service.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from gateway.web import assets, i18n

# The pages' own policy: every script and style from this origin, nothing inline; thumbnails
# and downloads are built in the page from fetched bytes (data: and blob: URLs).
POLITICA = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "object-src 'none'"
)
CABECERAS = {
    "Content-Security-Policy": POLITICA,
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # the reset link carries its token in the query
    "X-Frame-Options": "DENY",
}

_entorno = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(("html",)),
    trim_blocks=True,
    lstrip_blocks=True,
)
_entorno.globals.update(static=assets.url, i18n=i18n)


@dataclass(frozen=True)
class Pantalla:
    plantilla: str
    titulo: str
    publica: bool = False

    @property
    def script(self) -> str:
        return f"js/pantallas/{self.plantilla}.js"


PUBLICAS = {
    "/": Pantalla("ingreso", "Ingresar al Sistema", publica=True),
    "/ui/ingreso": Pantalla("ingreso", "Ingresar al Sistema", publica=True),
    "/ui/olvido": Pantalla("olvido", "¿Olvidaste tu contraseña?", publica=True),
    "/restablecer": Pantalla("restablecer", "Restablecer la contraseña", publica=True),
    "/ui/restablecer": Pantalla("restablecer", "Restablecer la contraseña", publica=True),
    "/ui/solicitud-cuenta": Pantalla("solicitud_cuenta", "Solicitud de cuenta", publica=True),
}
PRIVADAS = {
    "/ui/cambiar-password": Pantalla("cambiar_password", "Cambio de contraseña"),
    "/ui/expedientes": Pantalla("consulta", "Consulta de Expedientes"),
    "/ui/expedientes/nuevo": Pantalla("alta", "Alta de Expediente"),
    "/ui/consulta-global": Pantalla("consulta_global", "Consulta Global"),
    "/ui/pases": Pantalla("pase", "Pase de expedientes"),
    "/ui/en-mesa": Pantalla("en_mesa", "Expedientes en mesa"),
    "/ui/estadisticas": Pantalla("estadisticas", "Estadísticas de mesa"),
    "/ui/auditoria": Pantalla("auditoria", "Auditoría"),
    "/ui/admin/solicitudes": Pantalla("admin_solicitudes", "Administración: solicitudes"),
    "/ui/admin/usuarios": Pantalla("admin_usuarios", "Administración: usuarios"),
    "/ui/admin/catalogo": Pantalla("admin_catalogo", "Administración: catálogo y feriados"),
}
DETALLE = Pantalla("detalle", "Detalle del expediente")

router = APIRouter(include_in_schema=False)
router.include_router(assets.router)


def pagina(pantalla: Pantalla, **contexto: object) -> HTMLResponse:
    html = _entorno.get_template(f"{pantalla.plantilla}.html").render(
        pantalla=pantalla, etiquetas=i18n.ETIQUETAS, **contexto
    )
    return HTMLResponse(html, headers=CABECERAS)


def _ruta(pantalla: Pantalla) -> Callable[[], Awaitable[HTMLResponse]]:
    async def mostrar() -> HTMLResponse:
        return pagina(pantalla)

    return mostrar


for _camino, _pantalla in {**PUBLICAS, **PRIVADAS}.items():
    router.add_api_route(_camino, _ruta(_pantalla), methods=["GET"], response_class=HTMLResponse)


@router.get("/ui/admin")
async def administracion() -> RedirectResponse:
    return RedirectResponse("/ui/admin/solicitudes", status_code=302)


@router.get("/ui/expedientes/{expediente_id}", response_class=HTMLResponse)
async def detalle(expediente_id: uuid.UUID) -> HTMLResponse:
    return pagina(DETALLE, expediente_id=expediente_id)
