"""One trace follows a pase (issue 17): the gateway's request, the pases service's request, its
outbox row published by the relay, and each consumer that applies the event — all spans of
the trace the gateway started, written by every process to its own file (TRACES=archivo:)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from conftest import Sistema

DEMO_PASSWORD = "Demo-Sigexp-2026"
PLAZO = 30.0


def _login(sistema: Sistema, usuario: str) -> dict[str, str]:
    r = httpx.post(
        sistema.gateway + "/api/v1/auth/login", json={"usuario": usuario, "password": DEMO_PASSWORD}
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _spans(carpeta: Path) -> list[dict[str, Any]]:
    found = []
    for path in carpeta.glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                found.append(json.loads(line))
            except ValueError:  # empty, or the line a process is writing right now
                continue
    return found


def _enviar(sistema: Sistema) -> str:
    mesa, destino = _login(sistema, "mesa.cap"), _login(sistema, "mesa.sgg")
    gw = sistema.gateway
    mesa_destino = httpx.get(gw + "/api/v1/auth/me", headers=destino).json()["mesa"]["id"]
    alta = httpx.post(gw + "/api/v1/expedientes", headers=mesa, json={"extracto": "Traza"})
    assert alta.status_code == 201, alta.text
    limite = time.monotonic() + PLAZO
    while True:
        r = httpx.post(
            gw + "/api/v1/pases",
            headers=mesa,
            json={
                "expediente_ids": [alta.json()["id"]],
                "mesa_destino_id": mesa_destino,
                "permiso": "ESCRITURA",
                "fojas_agregadas": 0,
                "tomos_agregados": 0,
            },
            timeout=30,
        )
        if r.status_code == 201 or time.monotonic() > limite:
            break
        time.sleep(0.3)  # pases has not heard of the new expediente yet
    assert r.status_code == 201, r.text
    return str(r.json()["pases"][0]["id"])


def test_una_traza_sigue_al_pase_del_gateway_al_outbox_al_bus_y_a_los_consumidores(
    sistema: Sistema,
) -> None:
    carpeta = sistema.logs / "trazas"
    _enviar(sistema)

    def traza() -> dict[str, list[dict[str, Any]]] | None:
        spans = _spans(carpeta)
        roots = [
            s
            for s in spans
            if s["service"] == "sigexp-gateway" and s["name"] == "POST /api/v1/pases"
        ]
        if not roots:
            return None
        mine = [s for s in spans if s["trace_id"] == roots[-1]["trace_id"]]
        consumers = [
            s
            for s in mine
            if s["name"] == "consume sigexp.pase.enviado.v1"
            and s["service"] == "sigexp-expedientes"
        ]
        return {"root": [roots[-1]], "spans": mine} if consumers else None

    limite = time.monotonic() + PLAZO
    while (hallada := traza()) is None:
        assert time.monotonic() < limite, "no trace reached expedientes' consumer"
        time.sleep(0.5)
    spans = hallada["spans"]
    by_id = {s["span_id"]: s for s in spans}
    kinds = {(s["service"], s["kind"], s["name"]) for s in spans}
    assert ("sigexp-pases", "SERVER", "POST /api/v1/pases") in kinds
    assert ("sigexp-pases", "PRODUCER", "publish sigexp.pase.enviado.v1") in kinds
    assert ("sigexp-expedientes", "CONSUMER", "consume sigexp.pase.enviado.v1") in kinds
    root = hallada["root"][0]
    assert root["parent_id"] is None, "the gateway starts the trace"
    for span in spans:
        if span is not root:  # every other span hangs from one of the trace's own
            assert span["parent_id"] in by_id, span
