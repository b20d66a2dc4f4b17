"""The walking skeleton through the gateway and the real bus:

log in as a demo desk clerk -> create an expediente -> expedientes publishes
`sigexp.expediente.iniciado.v1` through its outbox -> pases consumes it through its inbox and
records the starting desk as holder -> the gateway's detail composes both services' data.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from conftest import Sistema

DEMO_PASSWORD = "Demo-Sigexp-2026"


def _login(sistema: Sistema, usuario: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    r = httpx.post(
        sistema.gateway + "/api/v1/auth/login", json={"usuario": usuario, "password": password}
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _detalle_completo(sistema: Sistema, expediente_id: str, headers: dict[str, str]) -> dict:
    """The UI retries quietly while a part is still on the bus; so does this test (10 s)."""
    deadline = time.monotonic() + 10
    while True:
        r = httpx.get(f"{sistema.gateway}/api/v1/expedientes/{expediente_id}", headers=headers)
        assert r.status_code == 200, r.text
        detalle = r.json()
        completo = "pases" not in detalle["incompletos"] and detalle["expediente"]["mesa_actual"]
        if completo or time.monotonic() > deadline:
            return detalle
        time.sleep(0.2)


def test_alta_por_el_gateway_y_detalle_compuesto_con_la_tenencia_de_pases(
    sistema: Sistema,
) -> None:
    headers = _login(sistema, "mesa.cap")
    yo = httpx.get(sistema.gateway + "/api/v1/auth/me", headers=headers).json()

    alta = httpx.post(
        sistema.gateway + "/api/v1/expedientes",
        json={"extracto": "Pedido de informe sobre campo fiscal", "tomos": 1, "fojas": 5},
        headers=headers,
    )
    assert alta.status_code == 201, alta.text
    expediente = alta.json()

    detalle = _detalle_completo(sistema, expediente["id"], headers)
    assert detalle["expediente"]["referencia"] == expediente["referencia"]
    assert detalle["expediente"]["mesa_actual_id"] == yo["mesa"]["id"]
    assert detalle["expediente"]["mesa_actual"]["nombre"] == "CAP - Mesa de Entradas y Salidas"
    assert detalle["expediente"]["mesa_actual"]["organismo"]["nombre"] == (
        "CONSEJO AGRARIO PROVINCIAL (AUTÁRQUICO)"
    )
    assert detalle["tenencia"]["mesa_id"] == yo["mesa"]["id"]  # learnt by pases from the bus
    assert detalle["tenencia"]["permiso"] == "ESCRITURA"
    assert detalle["pases"] == []


def test_el_gateway_rechaza_sin_token_y_los_servicios_tambien(sistema: Sistema) -> None:
    por_gateway = httpx.get(sistema.gateway + "/api/v1/expedientes")
    directo = httpx.get(sistema.url("expedientes") + "/api/v1/expedientes")
    assert (por_gateway.status_code, directo.status_code) == (401, 401)
    assert por_gateway.headers["content-type"] == "application/problem+json"


def test_otra_mesa_no_ve_el_expediente_ni_por_el_gateway(sistema: Sistema) -> None:
    propia = _login(sistema, "mesa.cap")
    ajena = _login(sistema, "mesa.sgg")
    alta = httpx.post(
        sistema.gateway + "/api/v1/expedientes",
        json={"extracto": "Sumario reservado", "caracter": "RESERVADO"},
        headers=propia,
    )
    r = httpx.get(f"{sistema.gateway}/api/v1/expedientes/{alta.json()['id']}", headers=ajena)
    assert r.status_code == 404


def test_ruta_desconocida_es_404_en_castellano(sistema: Sistema) -> None:
    r = httpx.get(sistema.gateway + "/api/v1/no-existe", headers=_login(sistema, "mesa.cap"))
    assert r.status_code == 404
    assert r.json()["detail"] == "La dirección solicitada no existe en la API."


def test_el_login_queda_en_la_auditoria(sistema: Sistema) -> None:
    _login(sistema, "consulta.cap")
    admin = _login(sistema, "admin.demo")
    deadline = time.monotonic() + 10
    while True:
        r = httpx.get(
            sistema.gateway + "/api/v1/auditoria", params={"accion": "auth.login"}, headers=admin
        )
        assert r.status_code == 200, r.text
        usuarios = {item["usuario"]["usuario"] for item in r.json()["items"]}
        if "consulta.cap" in usuarios or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert "consulta.cap" in usuarios


def test_el_gateway_reenvia_sin_duplicar_cabeceras_y_con_request_id(sistema: Sistema) -> None:
    r = httpx.get(
        sistema.gateway + "/api/v1/auth/me",
        headers={**_login(sistema, "mesa.cap"), "X-Request-ID": "pedido-de-prueba-1"},
    )
    assert r.status_code == 200
    assert len(r.headers.get_list("date")) == 1
    assert "server" not in r.headers  # no banner: neither the service's nor the gateway's
    assert r.headers["x-request-id"] == "pedido-de-prueba-1"


def test_con_pases_detenido_no_se_pierde_nada_y_se_pone_al_dia_al_volver(
    sistema: Sistema,
) -> None:
    headers = _login(sistema, "mesa.cap")
    sistema.stop("pases")
    try:
        altas = [
            httpx.post(
                sistema.gateway + "/api/v1/expedientes",
                json={"extracto": f"Alta con pases detenido {i}"},
                headers=headers,
            )
            for i in range(3)
        ]
        assert [r.status_code for r in altas] == [201] * 3  # the desk keeps working
        detalle = httpx.get(
            f"{sistema.gateway}/api/v1/expedientes/{altas[0].json()['id']}", headers=headers
        ).json()
        assert detalle["incompletos"] == ["pases", "archivos"]  # said, not hidden
    finally:
        sistema.start("pases")
    for alta in altas:
        detalle = _detalle_completo(sistema, alta.json()["id"], headers)
        assert detalle["tenencia"]["mesa_id"] == alta.json()["mesa_actual_id"]


def test_reintento_por_el_gateway_con_idempotency_key_no_duplica(sistema: Sistema) -> None:
    headers = {**_login(sistema, "mesa.sgg"), "Idempotency-Key": "alta-formulario-7f3a"}
    cuerpo = {"extracto": "Alta reenviada tras un corte de red"}
    primera = httpx.post(sistema.gateway + "/api/v1/expedientes", json=cuerpo, headers=headers)
    segunda = httpx.post(sistema.gateway + "/api/v1/expedientes", json=cuerpo, headers=headers)
    assert (primera.status_code, segunda.status_code) == (201, 201)
    assert segunda.json()["id"] == primera.json()["id"]
    assert segunda.headers["idempotent-replayed"] == "true"
