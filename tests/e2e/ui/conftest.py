"""Browser tests of the web UI: Debian's Chromium driven by Playwright, against the whole
system started by the e2e `sistema` fixture; axe-core injected into every screen.

Each screen visited through `Navegador.pantalla` is checked by axe (no serious or critical
violation), photographed into `test-artifacts/ui/` and timed in the browser (navigation
timing: the load event, and the moment the screen's own data is on it); the times go to
`test-artifacts/ui/tiempos.json`.

`SIGEXP_UI_URL=http://127.0.0.1:8000` runs them against a system already running (`make up`)
instead of starting one (`SIGEXP_UI_CORREOS`: the folder where its mail catcher keeps the
messages, for the test of the e-mailed reset link).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(Path(__file__).parent))  # the tests' own helpers: `import apoyo`
ARTEFACTOS = ROOT / "test-artifacts" / "ui"
AXE = ROOT / ".tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
GRAVES = {"serious", "critical"}
TIEMPOS: dict[str, dict[str, float]] = {}


@pytest.fixture(scope="session")
def axe_core() -> str:
    subprocess.run(["bash", str(ROOT / "scripts" / "axe.sh")], check=True)
    return AXE.read_text()


@dataclass
class SistemaEnMarcha:
    gateway: str
    mail_dir: Path | None


@pytest.fixture(scope="session")
def web(request: pytest.FixtureRequest) -> object:
    """The system under test: the e2e `sistema`, or the one at SIGEXP_UI_URL."""
    url = os.environ.get("SIGEXP_UI_URL")
    if not url:
        return request.getfixturevalue("sistema")
    correos = os.environ.get("SIGEXP_UI_CORREOS")
    return SistemaEnMarcha(url.rstrip("/"), Path(correos) if correos else None)


@pytest.fixture(scope="module")
def playwright_(web: object) -> Iterator[Playwright]:
    """Per module, after the system is up: while Playwright's sync API is active its event
    loop counts as running in this thread, and `asyncio.run` elsewhere would refuse to run."""
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def chromium(playwright_: Playwright) -> Iterator[Browser]:
    browser = playwright_.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
    yield browser
    browser.close()
    ARTEFACTOS.mkdir(parents=True, exist_ok=True)
    archivo = ARTEFACTOS / "tiempos.json"
    anteriores = json.loads(archivo.read_text()) if archivo.exists() else {}
    archivo.write_text(json.dumps({**anteriores, **TIEMPOS}, indent=2, ensure_ascii=False))


@dataclass
class Navegador:
    """One user's browser tab, with the checks every screen goes through."""

    page: Page
    base: str
    axe: str
    errores: list[str] = field(default_factory=list)

    def ir(self, camino: str, lista: str = "main h1") -> None:
        """Open `camino` and wait until `lista` (a selector) says the screen is ready."""
        self.page.goto(self.base + camino)
        self.page.wait_for_selector(lista, state="attached", timeout=30_000)

    def pantalla(self, nombre: str, camino: str | None = None, lista: str = "main h1") -> None:
        """Check the screen shown now (or open `camino` first): times, axe, screenshot."""
        if camino is not None:
            self.ir(camino, lista)
        self.accesible(nombre)
        self.captura(nombre)

    def primera_carga(self, nombre: str, camino: str) -> dict[str, float]:
        """Open `camino` in this (cold) tab and read, from the browser's clock, when the load
        event ended and when the screen's script marked its data shown (`sigexp-lista`)."""
        self.page.goto(self.base + camino)
        self.page.wait_for_selector("html[data-listo]", state="attached", timeout=30_000)
        self.page.wait_for_load_state("load")
        tiempos = dict(
            self.page.evaluate(
                """() => {
                    const n = performance.getEntriesByType("navigation")[0];
                    const m = performance.getEntriesByName("sigexp-lista")[0];
                    return {carga_ms: Math.round(n.loadEventEnd), lista_ms: Math.round(m.startTime),
                            pedidos: performance.getEntriesByType("resource").length};
                }"""
            )
        )
        TIEMPOS[nombre] = tiempos
        return tiempos

    def cabe_en_el_ancho(self) -> None:
        """Nothing wider than the window: only tables scroll, inside their own box."""
        ancho, total = self.page.evaluate(
            "() => [window.innerWidth, document.documentElement.scrollWidth]"
        )
        assert total <= ancho, f"{self.page.url}: {total} px wide in a {ancho} px window"

    def accesible(self, nombre: str) -> None:
        # Through the DevTools protocol: the page's CSP (no inline scripts) stays in force.
        if not self.page.evaluate("() => typeof window.axe === 'object'"):
            self.page.evaluate(self.axe + "\n;0")
        resultado = self.page.evaluate(
            "() => axe.run(document, {resultTypes: ['violations']})"
            ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})))"
        )
        graves = [v for v in resultado if v["impact"] in GRAVES]
        assert not graves, f"{nombre}: axe {json.dumps(graves, ensure_ascii=False, indent=1)}"

    def captura(self, nombre: str) -> None:
        ARTEFACTOS.mkdir(parents=True, exist_ok=True)
        ancho = self.page.viewport_size["width"] if self.page.viewport_size else 0
        self.page.screenshot(path=str(ARTEFACTOS / f"{nombre}-{ancho}px.png"), full_page=True)

    def sin_errores(self) -> None:
        """No script error, no CSP refusal, nothing raw on the page."""
        assert not self.errores, self.errores
        texto = self.page.inner_text("body")
        for crudo in ('{"', '"detail"', "Traceback", "[object Object]", "undefined"):
            assert crudo not in texto, f"{crudo!r} on the page: {texto[:500]}"


@pytest.fixture
def abrir_navegador(web, chromium: Browser, axe_core: str) -> Iterator:  # type: ignore[no-untyped-def]
    """`abrir_navegador(ancho=1280)`: a fresh context (its own sessionStorage) per user."""
    contextos = []

    def abrir(ancho: int = 1280, alto: int = 900, sesion: dict | None = None) -> Navegador:
        """`sesion`: the tokens of a login done through the API, put in sessionStorage."""
        contexto = chromium.new_context(
            viewport={"width": ancho, "height": alto}, locale="es-AR", accept_downloads=True
        )
        if sesion is not None:
            contexto.add_init_script(
                f"sessionStorage.setItem('sigexp.sesion', {json.dumps(json.dumps(sesion))});"
            )
        contextos.append(contexto)
        page = contexto.new_page()
        page.set_default_timeout(30_000)
        navegador = Navegador(page, web.gateway, axe_core)
        page.on("pageerror", lambda e: navegador.errores.append(f"pageerror: {e}"))
        page.on(
            "console",
            lambda m: (
                navegador.errores.append(f"console: {m.text}")
                if m.type == "error" and "Failed to load resource" not in m.text
                else None
            ),
        )
        return navegador

    yield abrir
    for contexto in contextos:
        contexto.close()
