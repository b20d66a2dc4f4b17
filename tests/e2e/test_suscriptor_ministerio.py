"""A ministry follows its expedientes through the public stream: ADMIN registers it through
the gateway, the sample subscriber (`examples/suscriptor_ministerio.py`) connects with the
credentials it got, and a pase one desk sends to the ministry's desk through the gateway
reaches it, redacted as the public contract says."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from conftest import Sistema

ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "Demo-Sigexp-2026"
PLAZO = 90.0  # seconds: pases' outbox -> bus -> integraciones -> its queue, on a loaded machine


def _login(sistema: Sistema, usuario: str) -> dict[str, str]:
    r = httpx.post(
        sistema.gateway + "/api/v1/auth/login",
        json={"usuario": usuario, "password": DEMO_PASSWORD},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _get(sistema: Sistema, ruta: str, headers: dict[str, str]) -> Any:
    r = httpx.get(sistema.gateway + ruta, headers=headers, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def _tenencia(sistema: Sistema, expediente_id: str, headers: dict[str, str]) -> bool:
    detalle = _get(sistema, f"/api/v1/expedientes/{expediente_id}", headers)
    return "pases" not in detalle["incompletos"] and detalle["tenencia"] is not None


def test_el_suscriptor_de_ejemplo_recibe_el_pase_enviado_por_el_gateway(
    sistema: Sistema, rabbitmq_management: str
) -> None:
    admin, origen, destino = (_login(sistema, u) for u in ("admin.demo", "mesa.cap", "mesa.sgg"))
    sgg = _get(sistema, "/api/v1/auth/me", destino)
    alta = httpx.post(
        sistema.gateway + "/api/v1/integraciones/suscriptores",
        json={
            "nombre": "Sistema de la Secretaría General",
            "organismo_id": sgg["organismo_id"],
            "claves": ["sigexp.pase.#"],
            "solo_organismo": True,
        },
        headers=admin,
        timeout=30,
    )
    assert alta.status_code == 201, alta.text
    credenciales = alta.json()["credenciales"]
    suscriptor = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "examples" / "suscriptor_ministerio.py"),
            "--url",
            credenciales["amqp_url"],
            "--cola",
            credenciales["cola"],
            "--max",
            "1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        r = httpx.post(
            sistema.gateway + "/api/v1/expedientes",
            json={"extracto": "Pedido de informe a la Secretaría", "fojas": 2},
            headers=origen,
            timeout=60,
        )
        assert r.status_code == 201, r.text
        expediente = r.json()
        limite = time.monotonic() + PLAZO
        while not _tenencia(sistema, expediente["id"], origen):
            assert time.monotonic() < limite, "pases never learnt of the expediente"
            time.sleep(0.5)
        envio = httpx.post(
            sistema.gateway + "/api/v1/pases",
            json={
                "expediente_ids": [expediente["id"]],
                "mesa_destino_id": sgg["mesa_id"],
                "permiso": "ESCRITURA",
                "fojas_agregadas": 0,
                "tomos_agregados": 0,
            },
            headers=origen,
            timeout=60,
        )
        assert envio.status_code == 201, envio.text
        salida, errores = suscriptor.communicate(timeout=PLAZO)
    finally:
        if suscriptor.poll() is None:
            suscriptor.kill()
            suscriptor.wait()
        # Revoked through the gateway: its broker user (the node's, not the vhost's) goes too.
        baja = httpx.delete(
            f"{sistema.gateway}/api/v1/integraciones/suscriptores/{alta.json()['id']}",
            headers=admin,
            timeout=30,
        )
        assert baja.status_code == 204, baja.text
    assert suscriptor.returncode == 0, errores.decode()
    [linea] = salida.decode().splitlines()
    recibido = json.loads(linea)
    assert recibido["tipo"] == "sigexp.pase.enviado.v1"
    assert recibido["expediente_id"] == expediente["id"]
    assert recibido["referencia"] == expediente["referencia"]
    datos = recibido["evento"]["data"]
    assert datos["mesa_destino_id"] == sgg["mesa_id"]
    assert datos["reservado"] is False
    assert recibido["evento"]["source"] == "/sigexp/integraciones"
