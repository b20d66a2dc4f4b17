"""Expedientes conexos across services, through the gateway only, as the demo users:

- an accumulated expediente travels with its principal: one pase of the principal moves both
  (both on the remito, both received by its code, both shown at the destination by expedientes'
  custody copy, each with its own custody version), it is refused alone until the desglose;
- a correction approved by ADMIN lowers the fojas, in expedientes and in pases' expected count.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from conftest import Sistema

DEMO_PASSWORD = "Demo-Sigexp-2026"
PLAZO_BUS = 20.0  # seconds: an event through outbox, relay and the consumer's inbox


class Usuario:
    def __init__(self, sistema: Sistema, usuario: str) -> None:
        self.gateway = sistema.gateway
        r = httpx.post(
            self.gateway + "/api/v1/auth/login",
            json={"usuario": usuario, "password": DEMO_PASSWORD},
        )
        assert r.status_code == 200, r.text
        self.headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        me = httpx.get(self.gateway + "/api/v1/auth/me", headers=self.headers).json()
        self.mesa_id: str | None = me["mesa"]["id"] if me.get("mesa") else None

    def get(self, ruta: str, **kwargs: Any) -> httpx.Response:
        return httpx.get(self.gateway + ruta, headers=self.headers, timeout=30, **kwargs)

    def post(self, ruta: str, **kwargs: Any) -> httpx.Response:
        return httpx.post(self.gateway + ruta, headers=self.headers, timeout=60, **kwargs)

    def alta(self, extracto: str, **campos: Any) -> dict[str, Any]:
        r = self.post("/api/v1/expedientes", json={"extracto": extracto, **campos})
        assert r.status_code == 201, r.text
        return dict(r.json())

    def expediente(self, expediente_id: str) -> dict[str, Any]:
        r = self.get(f"/api/v1/expedientes/{expediente_id}")
        assert r.status_code == 200, r.text
        return dict(r.json())

    def enviar(self, ids: list[str], destino: Usuario) -> httpx.Response:
        return self.post(
            "/api/v1/pases",
            json={
                "expediente_ids": ids,
                "mesa_destino_id": destino.mesa_id,
                "permiso": "ESCRITURA",
                "fojas_agregadas": 0,
                "tomos_agregados": 0,
            },
        )


def _hasta(condicion: Callable[[], Any], que: str, plazo: float = PLAZO_BUS) -> Any:
    limite = time.monotonic() + plazo
    while True:
        valor = condicion()
        if valor:
            return valor
        if time.monotonic() > limite:
            raise AssertionError(f"{que}: no ocurrió en {plazo:.0f} s (último: {valor!r})")
        time.sleep(0.3)


def _conocido_por_pases(usuario: Usuario, expediente_id: str) -> bool:
    return usuario.get(f"/api/v1/expedientes/{expediente_id}/pases").status_code == 200


def test_el_acumulado_viaja_con_su_principal_hasta_el_desglose(sistema: Sistema) -> None:
    origen, destino = Usuario(sistema, "mesa.cap"), Usuario(sistema, "mesa.sgg")
    principal = origen.alta("Licitación de obra vial, expediente principal", fojas=10)
    acumulado = origen.alta("Impugnación de la licitación de obra vial", fojas=4)
    for expediente in (principal, acumulado):
        _hasta(lambda e=expediente: _conocido_por_pases(origen, e["id"]), "pases lo conoce")

    r = origen.post(
        f"/api/v1/expedientes/{principal['id']}/acumulados",
        json={"expediente_id": acumulado["id"], "motivo": "Tramitación conjunta"},
    )
    assert r.status_code == 201, r.text
    _hasta(
        lambda: (
            (origen.expediente(acumulado["id"])["expediente"]["acumulado_en"] or {}).get("id")
            == principal["id"]
        ),
        "expedientes muestra la acumulación",
    )
    acumulados = origen.expediente(principal["id"])["expediente"]["acumulados"]
    assert [a["acumulado_id"] for a in acumulados] == [acumulado["id"]]

    solo = origen.enviar([acumulado["id"]], destino)
    assert solo.status_code == 409, solo.text
    assert "viaja con él" in solo.json()["rechazados"][0]["motivo"]

    envio = origen.enviar([principal["id"]], destino)
    assert envio.status_code == 201, envio.text
    assert {p["expediente_id"] for p in envio.json()["pases"]} == {principal["id"], acumulado["id"]}
    codigo = envio.json()["remito"]["codigo_verificacion"]
    verificado = httpx.get(sistema.gateway + f"/api/v1/remitos/verificar/{codigo}").json()
    assert {i["referencia"] for i in verificado["items"]} == {
        principal["referencia"],
        acumulado["referencia"],
    }
    for expediente in (principal, acumulado):
        _hasta(
            lambda e=expediente: (
                origen.expediente(e["id"])["expediente"]["estado"] == "RECEPCION_PENDIENTE"
            ),
            "expedientes los muestra en camino",
        )

    recepcion = destino.post("/api/v1/mesa/recepciones", json={"items": [{"codigo": codigo}]})
    assert recepcion.status_code == 200, recepcion.text
    assert recepcion.json()["items"][0]["status"] == 200, recepcion.text

    def en_el_destino(expediente_id: str) -> bool:
        visto = destino.get(f"/api/v1/expedientes/{expediente_id}")
        if visto.status_code != 200:
            return False
        datos = visto.json()["expediente"]
        return datos["estado"] == "EN_TRAMITE" and datos["mesa_actual_id"] == destino.mesa_id

    for expediente in (principal, acumulado):
        _hasta(lambda e=expediente: en_el_destino(e["id"]), "los dos llegan al destino")
    recorrido = destino.get(f"/api/v1/expedientes/{acumulado['id']}/pases").json()
    (conjunto,) = recorrido["items"]
    assert conjunto["pase_principal_id"] is not None
    assert recorrido["tenencia"]["version"] == 4  # alta, acumulación, envío, recepción

    desglose = destino.post(
        f"/api/v1/expedientes/{principal['id']}/acumulados/{acumulado['id']}/desglose",
        json={"motivo": "Se resuelven por separado"},
    )
    assert desglose.status_code == 200, desglose.text
    _hasta(
        lambda: destino.expediente(acumulado["id"])["expediente"]["acumulado_en"] is None,
        "expedientes muestra el desglose",
    )
    historial = destino.get(f"/api/v1/expedientes/{acumulado['id']}/historial").json()
    acciones = [e["accion"] for e in historial["items"]]
    assert "expediente.acumulado" in acciones
    assert "expediente.desglosado" in acciones
    vuelta = destino.enviar([acumulado["id"]], origen)
    assert vuelta.status_code == 201, vuelta.text
    assert [p["expediente_id"] for p in vuelta.json()["pases"]] == [acumulado["id"]]


def test_una_correccion_aprobada_baja_las_fojas_tambien_en_pases(sistema: Sistema) -> None:
    mesa, admin = Usuario(sistema, "mesa.cap"), Usuario(sistema, "admin.demo")
    expediente = mesa.alta("Expediente con fojas mal contadas", fojas=18)
    _hasta(lambda: _conocido_por_pases(mesa, expediente["id"]), "pases lo conoce")

    pedida = mesa.post(
        f"/api/v1/expedientes/{expediente['id']}/correcciones",
        json={"fojas": 16, "motivo": "En papel tiene 16 fojas"},
    )
    assert pedida.status_code == 201, pedida.text
    aprobada = admin.post(f"/api/v1/correcciones/{pedida.json()['id']}/aprobar", json={})
    assert aprobada.status_code == 200, aprobada.text

    assert mesa.expediente(expediente["id"])["expediente"]["fojas"] == 16
    _hasta(
        lambda: (
            mesa.get(f"/api/v1/expedientes/{expediente['id']}/pases").json()["tenencia"]["fojas"]
            == 16
        ),
        "pases espera 16 fojas",
    )
