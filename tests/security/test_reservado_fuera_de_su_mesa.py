"""RESERVADO content stays in its desk in the services landed last: archivos' downloads and
thumbnails, expedientes' historial, detail and anotaciones, the consulta global and the public
verification of a remito. Another desk's profiles get, from the gateway and from each service's
own port, the same answer as for an id that does not exist, and never a word of it."""

from __future__ import annotations

import io
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from PIL import Image

OTRA_MESA = ("mesa.sgg", "oficina.sgg", "carga.sgg", "consulta.sgg")
PLAZO_BUS = 60.0


def _hasta(condicion: Callable[[], Any], que: str, plazo: float = PLAZO_BUS) -> Any:
    limite = time.monotonic() + plazo
    while not (valor := condicion()):
        if time.monotonic() > limite:
            raise AssertionError(f"no pasó en {plazo:.0f}s: {que}")
        time.sleep(0.3)
    return valor


def _png() -> bytes:
    salida = io.BytesIO()
    Image.new("RGB", (64, 48), "white").save(salida, format="PNG")
    return salida.getvalue()


def _alta(api: Any, clave: str) -> dict[str, Any]:
    r = api.request(
        "POST",
        "/api/v1/expedientes",
        "mesa.cap",
        json={"extracto": f"Sumario reservado {clave}", "caracter": "RESERVADO"},
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


@pytest.fixture(scope="module")
def reservado(api: Any) -> dict[str, Any]:
    """A RESERVADO expediente of CAP's desk, with a scanned page uploaded and processed."""
    clave = "reservadisimo" + uuid.uuid4().hex[:8]
    expediente = _alta(api, clave)
    ruta = f"/api/v1/expedientes/{expediente['id']}/archivos"

    def subida() -> httpx.Response | None:
        r = api.request(
            "POST", ruta, "carga.cap", files={"archivo": (f"{clave}.png", _png(), "image/png")}
        )
        return None if r.status_code in (404, 409) else r  # archivos has not heard of it yet

    r = _hasta(subida, "archivos conoce el expediente")
    assert r.status_code == 201, r.text
    archivo = r.json()["id"]
    _hasta(
        lambda: (
            api.request("GET", f"/api/v1/archivos/{archivo}/miniatura", "mesa.cap").status_code
            == 200
        ),
        "la miniatura está hecha",
    )
    return {**expediente, "clave": clave, "archivo_id": archivo}


def _fantasma(ruta: str, real: str) -> str:
    return ruta.replace(real, str(uuid.uuid4()))


def _igual_que_inexistente(
    api: Any, ruta: str, real: str, usuario: str, servicio: str, clave: str
) -> None:
    r = api.request("GET", ruta, usuario, servicio=servicio)
    nada = api.request("GET", _fantasma(ruta, real), usuario, servicio=servicio)
    assert r.status_code in (404, 409), (usuario, servicio, ruta, r.status_code, r.text)
    assert r.status_code == nada.status_code, (usuario, servicio, ruta)
    assert r.json()["detail"] == nada.json()["detail"], (usuario, servicio, ruta)
    assert clave.encode() not in r.content


@pytest.mark.parametrize("servicio", ["gateway", "archivos"])
def test_otra_mesa_no_descarga_ni_ve_la_miniatura_de_un_archivo_reservado(
    api: Any, reservado: dict[str, Any], servicio: str
) -> None:
    aid = reservado["archivo_id"]
    rutas = [
        f"/api/v1/archivos/{aid}/contenido",
        f"/api/v1/archivos/{aid}/versiones/1/contenido",
        f"/api/v1/archivos/{aid}/miniatura",
        f"/api/v1/archivos/{aid}/versiones",
    ]
    for ruta in rutas:  # its own desk reads each one: the refusals below are not a broken route
        propia = api.request("GET", ruta, "mesa.cap", servicio=servicio)
        assert propia.status_code == 200, (ruta, propia.text)
    for usuario in OTRA_MESA:
        for ruta in rutas:
            _igual_que_inexistente(api, ruta, aid, usuario, servicio, reservado["clave"])


@pytest.mark.parametrize("servicio", ["gateway", "expedientes"])
def test_otra_mesa_no_lee_historial_detalle_ni_anotaciones_de_un_reservado(
    api: Any, reservado: dict[str, Any], servicio: str
) -> None:
    eid = reservado["id"]
    base = f"/api/v1/expedientes/{eid}"
    rutas = [base + "/historial", base + "/detalle", base + "/anotaciones", base + "/archivos"]
    if servicio == "gateway":
        rutas.append(base)  # the gateway's composed detail
    for ruta in rutas:
        propia = api.request("GET", ruta, "mesa.cap", servicio=servicio)
        if propia.status_code != 404:  # /archivos is not expedientes' route
            assert propia.status_code == 200, (ruta, propia.text)
    for usuario in OTRA_MESA:
        for ruta in rutas:
            r = api.request("GET", ruta, usuario, servicio=servicio)
            assert r.status_code in (404, 409), (usuario, ruta, r.text)
            assert reservado["clave"].encode() not in r.content


def test_la_consulta_global_no_devuelve_un_reservado_a_nadie(
    api: Any, reservado: dict[str, Any]
) -> None:
    for usuario in ("mesa.cap", "autoridad.demo", *OTRA_MESA):
        for q in (reservado["clave"], reservado["referencia"]):
            r = api.request("GET", "/api/v1/consulta-global", usuario, params={"q": q})
            assert r.status_code in (200, 403), (usuario, r.text)
            assert reservado["clave"].encode() not in r.content, usuario
            if r.status_code == 200:
                assert reservado["id"] not in {i["id"] for i in r.json()["items"]}, usuario


def test_la_verificacion_publica_de_un_remito_no_muestra_lo_reservado(api: Any) -> None:
    clave = "remitoreservado" + uuid.uuid4().hex[:8]
    expediente = _alta(api, clave)
    mesas = api.request("GET", "/api/v1/catalogo/mesas", "admin.demo", params={"q": "SGG"})
    destino = mesas.json()["items"][0]["id"]

    def envio() -> httpx.Response | None:
        cuerpo = {
            "expediente_ids": [expediente["id"]],
            "mesa_destino_id": destino,
            "permiso": "ESCRITURA",
            "observaciones": f"Observación {clave}",
        }
        r = api.request("POST", "/api/v1/pases", "mesa.cap", json=cuerpo)
        return None if r.status_code in (404, 409) else r  # pases has not heard of it yet

    r = _hasta(envio, "pases conoce el expediente")
    assert r.status_code == 201, r.text
    codigo = r.json()["remito"]["codigo_verificacion"]

    for servicio in ("gateway", "pases"):
        verificado = api.request("GET", f"/api/v1/remitos/verificar/{codigo}", servicio=servicio)
        assert verificado.status_code == 200, verificado.text
        [item] = verificado.json()["items"]
        assert item["referencia"] == expediente["referencia"]
        assert item["extracto"] is None
        assert clave.encode() not in verificado.content
