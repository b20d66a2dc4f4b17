"""The issue's "Done when", in a real browser against the running system: two desks, a loader,
a consultant, a third desk and ADMIN, each in its own tab, every screen checked by axe,
photographed and timed (see conftest)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from apoyo import DEMO_PASSWORD, con_password_cambiada, escaneo, hasta, token, usuario_nuevo
from playwright.sync_api import expect

if TYPE_CHECKING:
    from conftest import Navegador

MESA_B = "SGG - Mesa de Entradas y Salidas"
PLAZO_OCR = 180.0


def ingresar(nav: Navegador, usuario: str, password: str = DEMO_PASSWORD) -> None:
    """With the keyboard alone, as a clerk does: the user field has the focus."""
    nav.ir("/", "#usuario:focus")
    nav.page.keyboard.type(usuario)
    nav.page.keyboard.press("Tab")
    nav.page.keyboard.type(password)
    nav.page.keyboard.press("Enter")
    nav.page.wait_for_url(re.compile(r"/ui/"))


def alta(nav: Navegador, extracto: str, caracter: str = "PUBLICO") -> tuple[str, str]:
    """Alta de Expediente through its form; returns (id, referencia) as the page shows them."""
    nav.ir("/ui/expedientes/nuevo", "#tipo option")
    nav.page.fill("#extracto", extracto)
    nav.page.select_option("#caracter", caracter)
    nav.page.fill("#fojas", "3")
    nav.page.click("text=Guardar expediente")
    expect(nav.page.locator("#creado")).to_be_visible()
    referencia = nav.page.inner_text("#referencia-creada")
    expediente_id = nav.page.get_attribute("#ver-creado", "href").rsplit("/", 1)[-1]
    return expediente_id, referencia


@pytest.mark.timeout(900)  # six users, OCR of a page and the search index on a loaded machine
def test_dos_mesas_un_pase_multiple_recepcion_por_escaneo_ocr_consulta_global_y_baja(
    abrir_navegador, web, tmp_path: Path
) -> None:
    base = web.gateway
    palabra = f"ui{uuid.uuid4().hex[:6]}"  # a word only these expedientes carry
    provisoria, nueva = "Provisoria-UI-2026-a", "Definitiva-UI-2026-b"
    desk_a = usuario_nuevo(base, "MESA_ENTRADA", "CAP - Mesa de Entradas y Salidas", provisoria)

    # Desk A logs in with its provisional password and must change it first.
    a = abrir_navegador()
    a.pantalla("ingreso", "/", "#usuario")
    ingresar(a, desk_a, provisoria)
    a.page.wait_for_url("**/ui/cambiar-password")
    expect(a.page.locator("#obligatorio")).to_be_visible()
    a.pantalla("cambio-de-password")
    a.page.fill("#password_actual", provisoria)
    a.page.fill("#password_nueva", nueva)
    a.page.fill("#password_repetida", nueva)
    a.page.click("button:has-text('Cambiar contraseña')")
    a.page.wait_for_url("**/ui/expedientes")

    # Two altas, the number assigned shown; the carátula opens as a PDF.
    a.pantalla("alta", "/ui/expedientes/nuevo", "#tipo option")
    uno, ref_uno = alta(a, f"Solicitud de {palabra} para la reparación de caminos rurales")
    a.pantalla("alta-guardada")
    dos, ref_dos = alta(a, f"Pedido de {palabra} de informes al consejo")
    assert ref_uno != ref_dos
    assert re.fullmatch(r"\d+-\d{4}", ref_uno), ref_uno
    # A RESERVADO one with the same word: never in another desk's consulta global.
    reservado = httpx.post(
        base + "/api/v1/expedientes",
        json={"extracto": f"Sumario {palabra} reservado", "caracter": "RESERVADO"},
        headers=token(base, desk_a, nueva),
    ).json()

    # Consulta: tick both, "Pases múltiples", choose the desk by name, send, get the remito.
    a.ir("/ui/expedientes", f"text={ref_dos}")
    a.pantalla("consulta")
    a.page.check(f"input[value='{uno}']")
    a.page.check(f"input[value='{dos}']")
    a.page.click("#pases-multiples")
    a.page.wait_for_selector(f"input[value='{dos}']:checked")
    a.page.fill("#mesa", "SGG - Mesa")
    a.pantalla("pase-multiple")
    a.page.click("#enviar")
    expect(a.page.locator("#enviado")).to_be_visible(timeout=30_000)
    assert "2 expediente(s)" in a.page.inner_text("#enviado-resumen")
    a.pantalla("pase-enviado")
    with a.page.expect_download() as bajada:
        a.page.click("#remito-descargar")
    remito = Path(bajada.value.path()).read_bytes()
    assert remito.startswith(b"%PDF"), remito[:20]
    a.sin_errores()

    # Desk B: both on their way; one received by scanning its carátula code, one rejected.
    b = abrir_navegador()
    ingresar(b, "mesa.sgg")
    b.ir("/ui/en-mesa", f"#en-camino >> text={ref_dos}")
    expect(b.page.locator("#en-camino")).to_contain_text(ref_uno)
    b.pantalla("en-mesa")
    b.page.focus("#codigo")
    b.page.keyboard.type(f"SIGEXP:EXP:{uno}")  # a USB scanner types the code and Enter
    b.page.keyboard.press("Enter")
    expect(b.page.locator("#recibidos")).to_contain_text(ref_uno, timeout=30_000)
    expect(b.page.locator("#en-camino")).not_to_contain_text(ref_uno)
    fila_dos = b.page.locator("#en-camino tr", has_text=ref_dos)
    fila_dos.locator("button:has-text('Rechazar')").click()
    b.page.fill("#motivo", "Llegó sin la foja de inicio")
    b.pantalla("en-mesa-rechazo")
    b.page.click("button:has-text('Rechazar pase')")
    expect(b.page.locator("#en-camino")).not_to_contain_text(ref_dos, timeout=30_000)
    b.sin_errores()

    # A CARGA user of desk B uploads the scanned page (and a second file in the same go).
    carga = abrir_navegador()
    ingresar(carga, "carga.sgg")
    carga.ir(f"/ui/expedientes/{uno}", "#subida:not([hidden])")
    pagina = escaneo(
        ["Acta de inspección", f"Camino vecinal {palabra} tramo norte"], tmp_path / "acta.png"
    )
    otra = escaneo(["Nota de elevación"], tmp_path / "nota.png")
    carga.page.set_input_files("#archivos-nuevos", [str(pagina), str(otra)])
    carga.page.click("button:has-text('Subir archivos')")
    expect(carga.page.locator("#progresos")).to_contain_text("acta.png — subido", timeout=60_000)
    expect(carga.page.locator("#archivos")).to_contain_text("nota.png", timeout=30_000)
    expect(carga.page.locator("#archivos li", has_text="acta.png")).to_contain_text(
        "Procesado", timeout=PLAZO_OCR * 1000
    )
    expect(carga.page.locator("img[alt='Miniatura de acta.png']")).to_be_visible()
    with carga.page.expect_download() as bajada:
        carga.page.click("button:has-text('Descargar acta.png')")
    assert Path(bajada.value.path()).read_bytes() == pagina.read_bytes()
    nota = carga.page.locator("#archivos li", has_text="nota.png")
    with carga.page.expect_file_chooser() as elegir:
        nota.locator("button:has-text('Nueva versión')").click()
    elegir.value.set_files(str(escaneo(["Nota de elevación corregida"], tmp_path / "nota2.png")))
    expect(carga.page.locator("#archivos li", has_text="nota2.png")).to_contain_text("versión 2")
    carga.pantalla("detalle-con-archivos")
    carga.sin_errores()

    # A search by a word only that page holds ("vecinal") finds the expediente.
    b.ir("/ui/expedientes", "#tipo option:nth-child(2)")

    def encontrado() -> bool:
        b.page.fill("#q", f"vecinal {palabra}")
        b.page.click("text=Buscar expedientes")
        b.page.wait_for_selector("#encontrados:has-text('ENCONTRADOS')")
        return b.page.locator("#resultados", has_text=ref_uno).count() > 0

    hasta(encontrado, 60, "la búsqueda por el texto del documento", pausa=2.0)
    b.pantalla("consulta-por-texto")

    # A third desk's consulta global: finds it and where it is, not the RESERVADO one.
    tercera = usuario_nuevo(base, "MESA_ENTRADA", "MPD - Mesa de Entradas (FICTICIA)", provisoria)
    con_password_cambiada(base, tercera, provisoria, nueva)
    c = abrir_navegador()
    ingresar(c, tercera, nueva)
    c.ir("/ui/consulta-global", "#q")
    c.page.fill("#q", palabra)
    c.page.keyboard.press("Enter")
    expect(c.page.locator("#resultados")).to_contain_text(ref_uno)
    expect(c.page.locator("#resultados tr", has_text=ref_uno)).to_contain_text(MESA_B)
    assert reservado["referencia"] not in c.page.inner_text("#resultados")
    c.pantalla("consulta-global")
    c.sin_errores()

    # CONSULTA of desk A: no send button, the reason instead; the route refuses with it too.
    consulta = abrir_navegador()
    ingresar(consulta, "consulta.cap")
    consulta.ir(f"/ui/expedientes/{dos}", "#motivos li")
    expect(consulta.page.locator("#acciones-expediente")).not_to_contain_text("Enviar pase")
    expect(consulta.page.locator("#motivos")).to_contain_text("no permite modificar ni enviar")
    consulta.pantalla("detalle-consulta")
    consulta.ir(f"/ui/pases?ids={dos}", f"input[value='{dos}']:checked")
    consulta.page.fill("#mesa", "SGG - Mesa")
    consulta.page.click("#enviar")
    expect(consulta.page.locator("#aviso")).to_be_visible()
    negado = httpx.post(
        base + "/api/v1/pases",
        json={
            "expediente_ids": [dos],
            "mesa_destino_id": reservado["mesa_actual_id"],
            "permiso": "LECTURA",
        },
        headers=token(base, "consulta.cap"),
    )
    assert negado.status_code == 403
    assert negado.json()["detail"] in consulta.page.inner_text("#aviso")
    consulta.sin_errores()

    # Desk A asks for the deletion of the rejected one; ADMIN approves; it shows ANULADO.
    a.ir(f"/ui/expedientes/{dos}", "#acciones-expediente button:has-text('Solicitar baja')")
    a.page.click("#acciones-expediente button:has-text('Solicitar baja')")
    a.page.fill("#baja-motivo", "Iniciado por duplicado")
    a.page.click("button:has-text('Enviar solicitud de baja')")
    expect(a.page.locator("#estado")).to_contain_text("Solicitud de baja enviada")
    a.pantalla("detalle")
    admin = abrir_navegador()
    ingresar(admin, "admin.demo")
    admin.ir("/ui/admin/solicitudes", f"#bajas >> text=Baja de {ref_dos}")
    admin.pantalla("admin-solicitudes")
    admin.page.click(f"button:has-text('Aprobar Baja de {ref_dos}')")
    expect(admin.page.locator("#bajas")).not_to_contain_text(f"Baja de {ref_dos}")
    admin.ir(f"/ui/expedientes/{dos}", "#datos .insignia")
    expect(admin.page.locator("#datos")).to_contain_text("Anulado", timeout=30_000)
    admin.pantalla("detalle-anulado")
    admin.sin_errores()
    a.sin_errores()
