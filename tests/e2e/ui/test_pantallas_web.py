"""Every screen on a desktop and at 360 px: first load timed in the browser (cold cache),
axe-core, a screenshot, nothing wider than the window; Spanish errors next to their fields;
the keyboard alone; the administration screens with their reports."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from apoyo import DEMO_PASSWORD, hasta, sesion_de, token, usuario_nuevo
from playwright.sync_api import Route, expect

from sigexp_testing.mailcatcher import body_text, read_mails

if TYPE_CHECKING:
    pass

PUBLICAS = {
    "ingreso": "/",
    "olvido": "/ui/olvido",
    "restablecer": "/ui/restablecer?token=enlace-de-prueba",
    "solicitud-cuenta": "/ui/solicitud-cuenta",
}
DE_MESA = {
    "consulta": "/ui/expedientes",
    "alta": "/ui/expedientes/nuevo",
    "detalle": "/ui/expedientes/{id}",
    "pase": "/ui/pases?ids={id}",
    "en-mesa": "/ui/en-mesa",
    "consulta-global": "/ui/consulta-global",
    "estadisticas": "/ui/estadisticas",
    "cambiar-password": "/ui/cambiar-password",
}
DE_ADMIN = {
    "auditoria": "/ui/auditoria",
    "admin-solicitudes": "/ui/admin/solicitudes",
    "admin-usuarios": "/ui/admin/usuarios",
    "admin-catalogo": "/ui/admin/catalogo",
}


@pytest.mark.parametrize("ancho", [1280, 360])
def test_cada_pantalla_carga_accesible_y_cabe_en_el_ancho(abrir_navegador, web, ancho: int) -> None:
    base = web.gateway
    expediente = httpx.post(
        base + "/api/v1/expedientes",
        json={"extracto": "Expediente para recorrer las pantallas", "fojas": 2},
        headers=token(base, "mesa.cap"),
    ).json()
    usuarios = {"mesa.cap": DE_MESA, "admin.demo": DE_ADMIN}
    pantallas = [(nombre, camino, None) for nombre, camino in PUBLICAS.items()]
    for usuario, caminos in usuarios.items():
        pantallas += [(n, c.format(id=expediente["id"]), usuario) for n, c in caminos.items()]
    for nombre, camino, usuario in pantallas:
        # A new browser context per screen: nothing cached, as the first visit of the day.
        nav = abrir_navegador(ancho, sesion=sesion_de(base, usuario) if usuario else None)
        tiempos = nav.primera_carga(f"{nombre}@{ancho}", camino)
        assert tiempos["lista_ms"] > 0
        nav.pantalla(f"{nombre}")
        nav.cabe_en_el_ancho()
        nav.sin_errores()
        nav.page.context.close()


def test_errores_del_servicio_en_castellano_junto_a_su_campo(abrir_navegador, web) -> None:
    nav = abrir_navegador(360)
    nav.ir("/", "#usuario:focus")
    nav.page.fill("#usuario", "mesa.cap")
    nav.page.fill("#password", "no-es-la-clave")
    nav.page.keyboard.press("Enter")
    expect(nav.page.locator("#aviso")).to_be_visible()
    assert re.search(r"[Uu]suario|contraseña", nav.page.inner_text("#aviso"))
    nav.pantalla("ingreso-fallido")

    nav.ir("/ui/solicitud-cuenta", "#nombre")
    nav.page.fill("#nombre", "Pérez, Ana")
    nav.page.fill("#email", "no-es-un-correo")
    nav.page.fill("#organismo", "Consejo Agrario Provincial")
    nav.page.fill("#area", "Mesa de entradas")
    nav.page.click("button:has-text('Enviar solicitud')")
    error = nav.page.locator("#email ~ .error-campo, .campo:has(#email) .error-campo")
    expect(error).to_be_visible()
    assert nav.page.get_attribute("#email", "aria-invalid") == "true"
    nav.pantalla("solicitud-cuenta-con-error")
    nav.page.fill("#email", "ana.perez@ejemplo.sigexp.invalid")
    nav.page.click("button:has-text('Enviar solicitud')")
    expect(nav.page.locator("#aviso")).to_contain_text("Recibimos su solicitud")

    nav.ir("/ui/restablecer?token=enlace-vencido", "#password_nueva")
    nav.page.fill("#password_nueva", "Otra-Clave-Segura-2026")
    nav.page.fill("#password_repetida", "Otra-Clave-Segura-2026")
    nav.page.click("button:has-text('Guardar contraseña')")
    expect(nav.page.locator("#aviso")).to_contain_text("enlace")

    nav.ir("/ui/olvido", "#email")
    nav.page.fill("#email", "quien.sea@ejemplo.sigexp.invalid")
    nav.page.keyboard.press("Enter")
    expect(nav.page.locator("#aviso")).to_contain_text("Si el correo corresponde")
    nav.sin_errores()

    mesa = abrir_navegador(360, sesion=sesion_de(web.gateway, "mesa.cap"))
    mesa.ir("/ui/expedientes/nuevo", "#tipo option")
    mesa.page.fill("#extracto", "ab")
    mesa.page.fill("#tomos", "0")
    mesa.page.click("text=Guardar expediente")
    expect(mesa.page.locator(".campo:has(#extracto) .error-campo")).to_be_visible()
    expect(mesa.page.locator(".campo:has(#tomos) .error-campo")).to_be_visible()
    mesa.pantalla("alta-con-errores")
    mesa.ir("/ui/pases", "#candidatos li")
    mesa.page.click("#enviar")
    expect(mesa.page.locator(".campo:has(#mesa) .error-campo")).to_be_visible()
    mesa.sin_errores()


def test_alta_y_consulta_con_el_teclado_solo(abrir_navegador, web) -> None:
    nav = abrir_navegador()
    nav.ir("/", "#usuario:focus")
    nav.page.keyboard.type("mesa.sgg")
    nav.page.keyboard.press("Tab")
    nav.page.keyboard.type(DEMO_PASSWORD)
    nav.page.keyboard.press("Enter")
    nav.page.wait_for_url("**/ui/expedientes")
    nav.ir("/ui/expedientes/nuevo", "#extracto:focus")
    nav.page.keyboard.type("Nota presentada solo con el teclado")

    def tabular_hasta(selector: str) -> None:
        for _ in range(30):
            if nav.page.evaluate(f"() => document.activeElement.matches({selector!r})"):
                return
            nav.page.keyboard.press("Tab")
        raise AssertionError(f"{selector} is not reachable with Tab")

    tabular_hasta("button[type=submit]")
    nav.page.keyboard.press("Enter")
    expect(nav.page.locator("#creado")).to_be_focused()
    referencia = nav.page.inner_text("#referencia-creada")
    tabular_hasta("#ver-creado")
    nav.page.keyboard.press("Enter")
    nav.page.wait_for_url(re.compile(r"/ui/expedientes/[0-9a-f-]{36}$"))
    expect(nav.page.locator("#titulo-referencia")).to_have_text(referencia)
    nav.sin_errores()


def test_lo_enviado_antes_de_que_la_pantalla_este_lista_espera_y_no_va_en_la_direccion(
    abrir_navegador, web
) -> None:
    """Enter typed while the screen's module is still on its way (a slow link): the browser
    does not submit the form itself, which would put the password in the address; the form
    waits and the screen's own handler sends it as soon as it is attached."""
    nav = abrir_navegador()
    retenidos: list[Route] = []

    def retener(route: Route) -> None:
        retenidos.append(route)

    nav.page.route(re.compile(r"/pantallas/ingreso\.js$"), retener)
    nav.page.goto(nav.base + "/", wait_until="commit")
    nav.page.fill("#usuario", "mesa.sgg")
    nav.page.fill("#password", DEMO_PASSWORD)
    nav.page.keyboard.press("Enter")
    nav.page.wait_for_timeout(500)
    assert retenidos, "the screen's module was not requested"
    assert nav.page.url == nav.base + "/", nav.page.url
    retenidos[0].continue_()
    nav.page.wait_for_url("**/ui/expedientes")
    nav.sin_errores()


def test_administracion_importa_con_informe_de_errores_y_verifica_la_auditoria(
    abrir_navegador, web, tmp_path: Path
) -> None:
    token(web.gateway, "mesa.cap")  # a login of mesa.cap's for the audit query below to find
    admin = abrir_navegador(sesion=sesion_de(web.gateway, "admin.demo"))
    admin.ir("/ui/admin/catalogo", "#vigente h3")
    malo = tmp_path / "feriados.csv"
    malo.write_text("fecha,nombre,activo\n2026-13-45,Feriado imposible,si\n")
    admin.page.set_input_files("#archivo-feriados", str(malo))
    admin.page.click("button:has-text('Importar feriados')")
    expect(admin.page.locator("#informe-feriados")).to_contain_text("2")  # the row named
    admin.pantalla("admin-catalogo-informe")

    admin.ir("/ui/auditoria", "#registros tr")
    admin.page.click("#verificar")
    expect(admin.page.locator("#verificacion")).to_contain_text("registros")
    admin.page.fill("#usuario", "mesa.cap")
    admin.page.click("button:has-text('Consultar')")
    expect(admin.page.locator("#registros")).to_contain_text("mesa.cap")
    admin.pantalla("auditoria-filtrada")

    # An account request from the public form's route, approved with a desk; a user created.
    nombre = f"Gómez, Luis {uuid.uuid4().hex[:6]}"
    # From an address of its own: auth admits 20 account requests an hour per address, and
    # other tests of the session may have spent 127.0.0.1's by now.
    otra_direccion = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"))
    pedido = otra_direccion.post(
        web.gateway + "/api/v1/auth/solicitudes-cuenta",
        json={
            "nombre": nombre,
            "email": f"{uuid.uuid4().hex[:10]}@ejemplo.sigexp.invalid",
            "organismo": "Consejo Agrario Provincial",
            "area": "Mesa de entradas",
            "perfil": "CONSULTA",
        },
    )
    assert pedido.status_code == 202, pedido.text
    admin.ir("/ui/admin/solicitudes", f"#cuentas >> text=Cuenta de {nombre}")
    cuenta = admin.page.locator("#cuentas li", has_text=nombre)
    cuenta.locator("select").select_option(
        label="CAP - Mesa de Entradas y Salidas (CONSEJO AGRARIO PROVINCIAL (AUTÁRQUICO))"
    )
    cuenta.locator(f"button:has-text('Aprobar Cuenta de {nombre}')").click()
    expect(admin.page.locator("#cuentas")).not_to_contain_text(nombre)
    admin.ir("/ui/admin/usuarios", "#usuarios tr")
    usuario = f"ui{uuid.uuid4().hex[:8]}"
    admin.page.fill("#u-usuario", usuario)
    admin.page.fill("#u-nombre", "Prueba de alta por pantalla")
    admin.page.fill("#u-email", f"{usuario}@ejemplo.sigexp.invalid")
    admin.page.select_option("#u-perfil", "CARGA")
    admin.page.select_option(
        "#u-mesa",
        label="SGG - Mesa de Entradas y Salidas (MINISTERIO SECRETARÍA GENERAL DE LA GOBERNACIÓN)",
    )
    admin.page.click("button:has-text('Crear usuario')")
    expect(admin.page.locator("#estado")).to_contain_text(f"Usuario {usuario} creado")
    expect(admin.page.locator("#usuarios")).to_contain_text(usuario)
    admin.pantalla("admin-usuarios-alta")

    admin.ir("/ui/estadisticas", "#resumen dt")
    expect(admin.page.locator("#grafico-semanas")).not_to_be_empty()
    admin.pantalla("estadisticas-admin")
    admin.sin_errores()


def test_olvido_de_contrasena_por_el_enlace_del_correo(abrir_navegador, web) -> None:
    if web.mail_dir is None:
        pytest.skip("no mail catcher folder for this system (SIGEXP_UI_CORREOS)")
    usuario = usuario_nuevo(
        web.gateway, "OFICINA", "CAP - Oficina de Asuntos Legales", "Provisoria-UI-2026-c"
    )
    email = f"{usuario}@ejemplo.sigexp.invalid"
    nav = abrir_navegador(360)
    nav.ir("/", "#usuario:focus")
    nav.page.click("text=¿Olvidaste tu contraseña?")
    nav.page.fill("#email", email)
    nav.page.keyboard.press("Enter")
    expect(nav.page.locator("#aviso")).to_contain_text("Si el correo corresponde")

    def enlace() -> str | None:
        for mensaje in read_mails(web.mail_dir, to=email):
            encontrado = re.search(r"https?://\S+/restablecer\?token=\S+", body_text(mensaje))
            if encontrado:
                return encontrado.group(0)
        return None

    nav.page.goto(hasta(enlace, 30, "el correo con el enlace", pausa=0.5))
    nav.page.wait_for_selector("html[data-listo]", state="attached")
    nav.pantalla("restablecer-desde-el-correo")
    nueva = "Recuperada-UI-2026-d"
    nav.page.fill("#password_nueva", nueva)
    nav.page.fill("#password_repetida", nueva)
    nav.page.click("button:has-text('Guardar contraseña')")
    expect(nav.page.locator("#aviso")).to_contain_text("Ya puede ingresar")
    nav.ir("/", "#usuario:focus")
    nav.page.fill("#usuario", usuario)
    nav.page.fill("#password", nueva)
    nav.page.keyboard.press("Enter")
    nav.page.wait_for_url(re.compile(r"/ui/"))
    nav.sin_errores()
