"""Expedientes conexos in the browser, as the holding desk and ADMIN use them: link another file
by its number and unlink it, accumulate one into this and take it out again (desglose), ask
for a fojas correction and see it applied once ADMIN approves it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
from apoyo import hasta, sesion_de, token
from playwright.sync_api import expect

if TYPE_CHECKING:
    from conftest import Navegador


def _alta(base: str, cabeceras: dict[str, str], extracto: str, fojas: int = 5) -> dict:
    r = httpx.post(
        base + "/api/v1/expedientes",
        json={"extracto": extracto, "fojas": fojas, "tomos": 1},
        headers=cabeceras,
    )
    assert r.status_code == 201, r.text
    return r.json()


def _conexo(nav: Navegador, referencia: str, motivo: str, boton: str) -> None:
    nav.page.fill("#conexo-ref", referencia)
    nav.page.fill("#conexo-motivo", motivo)
    nav.page.click(f"#vincular button:has-text('{boton}')")


def test_la_mesa_vincula_acumula_desglosa_y_pide_una_correccion_que_admin_aprueba(
    abrir_navegador, web
) -> None:
    base = web.gateway
    mesa = token(base, "mesa.cap")
    principal = _alta(base, mesa, "Obra de la escuela, expediente principal")
    otro = _alta(base, mesa, "Obra de la escuela, pliego de otra etapa")
    suelto = _alta(base, mesa, "Obra de la escuela, certificado de avance")

    nav = abrir_navegador(sesion=sesion_de(base, "mesa.cap"))
    nav.ir(f"/ui/expedientes/{principal['id']}", "#conexos:not([hidden])")
    expect(nav.page.locator("#vinculos")).to_contain_text("Sin expedientes vinculados.")
    nav.accesible("detalle-conexos")

    _conexo(nav, otro["referencia"], "Tratan la misma obra", "Vincular")
    expect(nav.page.locator("#estado")).to_have_text("Expediente vinculado.")
    expect(nav.page.locator("#vinculos")).to_contain_text(otro["referencia"])
    expect(nav.page.locator("#vinculos")).to_contain_text("Tratan la misma obra")
    nav.page.click("#vinculos button:has-text('Desvincular')")
    expect(nav.page.locator("#vinculos")).to_contain_text("Sin expedientes vinculados.")

    _conexo(nav, suelto["referencia"], "Forma parte del mismo trámite", "Acumular a este")
    expect(nav.page.locator("#estado")).to_have_text("Expediente acumulado.")
    expect(nav.page.locator("#acumulados")).to_contain_text(suelto["referencia"])
    acumulado = httpx.get(base + f"/api/v1/expedientes/{suelto['id']}", headers=mesa).json()
    assert acumulado["expediente"]["acumulado_en"]["id"] == principal["id"]

    nav.page.once("dialog", lambda d: d.accept("Se tramita por separado"))
    nav.page.click("#acumulados button:has-text('Desglosar')")
    expect(nav.page.locator("#estado")).to_have_text("Expediente desglosado.")
    expect(nav.page.locator("#acumulados")).to_contain_text("Sin expedientes acumulados.")

    nav.page.fill("#corr-fojas", "3")
    nav.page.fill("#corr-motivo", "Se contaron dos fojas de más en el alta")
    nav.page.click("#correccion button:has-text('Pedir corrección')")
    expect(nav.page.locator("#estado")).to_contain_text("pendiente de aprobación")
    nav.sin_errores()

    admin = abrir_navegador(sesion=sesion_de(base, "admin.demo"))
    admin.ir("/ui/admin/solicitudes", "#correcciones li")
    pedido = admin.page.locator(
        f"#correcciones li:has(a[href='/ui/expedientes/{principal['id']}'])"
    )
    expect(pedido).to_contain_text("Fojas: 5 → 3")
    pedido.locator("button:has-text('Aprobar')").click()
    expect(admin.page.locator("#estado")).to_contain_text("aprobada")
    admin.sin_errores()

    def fojas() -> bool:
        r = httpx.get(base + f"/api/v1/expedientes/{principal['id']}", headers=mesa)
        return bool(r.json()["expediente"]["fojas"] == 3)

    hasta(fojas, 30, "la corrección aprobada baja las fojas")
    nav.ir(f"/ui/expedientes/{principal['id']}", "#conexos:not([hidden])")
    expect(nav.page.locator("main")).to_contain_text("3 fojas, 1 tomo")
    historial = nav.page.locator("#t-historial + div")
    for accion in ("Vinculación", "Desvinculación", "Acumulación", "Desglose"):
        expect(historial).to_contain_text(accion)
