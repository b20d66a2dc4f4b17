"""The web UI's pages and assets as the gateway serves them (no service behind: a page costs
no call to one)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from gateway import web
from gateway.web import assets, routes
from sigexp_common.errors import install_error_handlers


@pytest.fixture
async def cliente() -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(web.router)
    transporte = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transporte, base_url="http://ui") as client:
        yield client


def _recursos(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/static/[^"]+)"', html)


async def test_cada_pantalla_es_html_en_castellano_con_su_politica_y_sin_nada_en_linea(
    cliente: httpx.AsyncClient,
) -> None:
    caminos = [
        *routes.PUBLICAS,
        *routes.PRIVADAS,
        "/ui/expedientes/0190a1b2-0000-7000-8000-000000000001",
    ]
    for camino in caminos:
        r = await cliente.get(camino)
        assert r.status_code == 200, camino
        assert r.headers["content-type"].startswith("text/html")
        assert '<html lang="es">' in r.text
        politica = r.headers["content-security-policy"]
        assert "script-src 'self'" in politica
        assert "unsafe-inline" not in politica
        assert "form-action 'none'" in politica  # no field ever travels in an address
        assert "/js/antes.js" in r.text  # which holds a form sent before its handler is there
        assert r.headers["cache-control"] == "no-store"
        assert "<script>" not in r.text
        assert "<style>" not in r.text
        assert " onclick=" not in r.text
        assert "quedan registrados" in r.text  # the manual's notice on every page


async def test_los_recursos_llevan_su_hash_y_se_guardan_un_anio(cliente: httpx.AsyncClient) -> None:
    pagina = await cliente.get("/ui/expedientes")
    recursos = _recursos(pagina.text)
    assert recursos
    assert all(r.startswith(f"/static/v/{assets.version()}/") for r in recursos)
    for recurso in recursos:
        r = await cliente.get(recurso)
        assert r.status_code == 200, recurso
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert r.headers["x-content-type-options"] == "nosniff"
    script = await cliente.get(recursos[-1].replace(assets.version(), "0123456789abcdef"))
    assert script.headers["cache-control"] == "no-cache"  # an old hash: not kept


async def test_un_recurso_inexistente_o_fuera_de_la_carpeta_es_404(
    cliente: httpx.AsyncClient,
) -> None:
    for camino in ("/static/no-existe.js", "/static/v/x/%2e%2e/web/routes.py", "/static/js"):
        r = await cliente.get(camino)
        assert r.status_code == 404, camino
        assert r.headers["content-type"] == "application/problem+json"


async def test_cada_script_de_pantalla_existe_y_los_modulos_que_importa_tambien() -> None:
    for pantalla in [*routes.PUBLICAS.values(), *routes.PRIVADAS.values(), routes.DETALLE]:
        script = assets.STATIC / pantalla.script
        assert script.is_file(), pantalla.script
        for importado in re.findall(r'from "(\.\.?/[^"]+)"', script.read_text()):
            assert (script.parent / importado).resolve().is_file(), (pantalla.script, importado)
