"""Paths that cross every service, through the gateway only, as the demo users of `make up`:

- a scan uploaded to archivos is read by the digitisation worker (tesseract, Spanish), its text
  reaches expedientes on the bus, and a desk's search and the consulta global find the file by
  a word that is only in the document (the consulta global searches documents' text too:
  it runs the same search as the desk's, over PUBLICO files of every organismo);
- a pase from one desk to another, received by the code read from the remito's QR;
- a RESERVADO file stays invisible to another desk in every service that holds a copy of it.
"""

from __future__ import annotations

import io
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from PIL import Image, ImageDraw, ImageFont

from sigexp_common.ids import instante, uuid7

if TYPE_CHECKING:
    from conftest import Sistema

DEMO_PASSWORD = "Demo-Sigexp-2026"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # fonts-dejavu-core
PLAZO_OCR = 180.0  # seconds: a page through tesseract on a loaded 2-core machine, and retries
PLAZO_BUS = 20.0  # seconds: an event through outbox, relay and the consumer's inbox


class Usuario:
    """A demo user signed in through the gateway."""

    def __init__(self, sistema: Sistema, usuario: str) -> None:
        self.gateway = sistema.gateway
        r = httpx.post(
            self.gateway + "/api/v1/auth/login",
            json={"usuario": usuario, "password": DEMO_PASSWORD},
        )
        assert r.status_code == 200, r.text
        self.headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        self.mesa_id: str = self.get("/api/v1/auth/me").json()["mesa"]["id"]

    def get(self, ruta: str, **kwargs: Any) -> httpx.Response:
        return httpx.get(self.gateway + ruta, headers=self.headers, timeout=30, **kwargs)

    def post(self, ruta: str, **kwargs: Any) -> httpx.Response:
        return httpx.post(self.gateway + ruta, headers=self.headers, timeout=60, **kwargs)

    def patch(self, ruta: str, **kwargs: Any) -> httpx.Response:
        return httpx.patch(self.gateway + ruta, headers=self.headers, timeout=30, **kwargs)

    def alta(self, extracto: str, **campos: Any) -> dict[str, Any]:
        r = self.post("/api/v1/expedientes", json={"extracto": extracto, **campos})
        assert r.status_code == 201, r.text
        return dict(r.json())

    def encontrados(self, ruta: str, q: str) -> set[str]:
        r = self.get(ruta, params={"q": q, "limit": 100})
        assert r.status_code == 200, r.text
        return {item["id"] for item in r.json()["items"]}


def _hasta(condicion: Callable[[], Any], plazo: float, que: str, pausa: float = 0.3) -> Any:
    """Poll `condicion` until it answers something true; fail saying `que` after `plazo` s."""
    limite = time.monotonic() + plazo
    while True:
        valor = condicion()
        if valor:
            return valor
        if time.monotonic() > limite:
            raise AssertionError(f"{que}: no ocurrió en {plazo:.0f} s (último: {valor!r})")
        time.sleep(pausa)


def _escaneo(renglones: list[str]) -> bytes:
    """A scanned page as a PNG: the lines in DejaVu Sans, dark on off-white, at 200 dpi."""
    hoja = Image.new("L", (1654, 900), 245)
    dibujo = ImageDraw.Draw(hoja)
    fuente = ImageFont.truetype(str(DEJAVU), 56)
    for i, renglon in enumerate(renglones):
        dibujo.text((120, 150 + i * 110), renglon, fill=25, font=fuente)
    salida = io.BytesIO()
    hoja.save(salida, format="PNG", dpi=(200, 200))
    return salida.getvalue()


def _subir(carga: Usuario, expediente_id: str, png: bytes, nombre: str) -> dict[str, Any]:
    """Upload as soon as archivos has heard of the expediente (it learns scope from the bus;
    before, it answers 409 "ask again" for a recent id)."""

    def subida() -> httpx.Response | None:
        r = carga.post(
            f"/api/v1/expedientes/{expediente_id}/archivos",
            files={"archivo": (nombre, png, "image/png")},
            data={"descripcion": "Escaneo de la nota de presentación"},
        )
        return None if r.status_code in (404, 409) else r

    r = _hasta(subida, PLAZO_BUS, "archivos conoce el expediente")
    assert r.status_code == 201, r.text
    return dict(r.json())


def _procesado(sistema: Sistema, usuario: Usuario, expediente_id: str, archivo_id: str) -> dict:
    def estado() -> dict[str, Any] | None:
        r = usuario.get(f"/api/v1/expedientes/{expediente_id}/archivos")
        assert r.status_code == 200, r.text
        (archivo,) = [a for a in r.json()["items"] if a["id"] == archivo_id]
        assert archivo["estado_procesamiento"] != "ERROR", archivo
        return archivo if archivo["estado_procesamiento"] == "LISTO" else None

    try:
        return dict(_hasta(estado, PLAZO_OCR, "el archivo llega a LISTO", pausa=1.0))
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{sistema.log('archivos-worker')[-3000:]}") from exc


def test_escaneo_subido_se_lee_por_ocr_y_la_busqueda_encuentra_el_expediente(
    sistema: Sistema,
) -> None:
    mesa, carga, otra = (Usuario(sistema, u) for u in ("mesa.cap", "carga.cap", "consulta.sgg"))
    expediente = mesa.alta("Nota de presentación con documentación adjunta", fojas=2)
    assert expediente["id"] not in carga.encontrados("/api/v1/expedientes", "habilitación")

    png = _escaneo(["Solicitud de habilitación comercial", "presentada por la señora Rodríguez"])
    archivo = _subir(carga, expediente["id"], png, "nota_habilitación.png")
    assert archivo["estado_procesamiento"] == "PENDIENTE"  # the upload never waits for OCR

    listo = _procesado(sistema, carga, expediente["id"], archivo["id"])
    assert listo["paginas"] == 1

    for palabra in ("habilitación", "Rodríguez", "comercial"):  # only in the document's text
        _hasta(
            lambda p=palabra: expediente["id"] in carga.encontrados("/api/v1/expedientes", p),
            PLAZO_BUS,
            f"la búsqueda de la mesa por {palabra!r} encuentra el expediente",
        )
    # another organismo's desk finds the PUBLICO file by its document's words, as a summary
    assert expediente["id"] in otra.encontrados("/api/v1/consulta-global", "Rodríguez")
    assert expediente["id"] not in otra.encontrados("/api/v1/expedientes", "Rodríguez")


def _qr(pdf: bytes, carpeta: Path) -> str:
    """The QR code of the remito's first page, rendered as the desk's scanner sees it."""
    (carpeta / "remito.pdf").write_bytes(pdf)
    origen, destino = str(carpeta / "remito.pdf"), str(carpeta / "remito")
    subprocess.run(
        ["pdftoppm", "-r", "110", "-png", "-singlefile", origen, destino],
        check=True,
    )
    leido = subprocess.run(
        ["zbarimg", "-q", "--raw", str(carpeta / "remito.png")],
        check=True,
        capture_output=True,
        text=True,
    )
    return leido.stdout.strip()


def _problema(r: httpx.Response) -> tuple[int, str, str, str]:
    cuerpo = r.json()
    return r.status_code, r.headers["content-type"], cuerpo["title"], cuerpo["detail"]


def _tenencia_conocida(usuario: Usuario, expediente_id: str) -> bool:
    detalle = usuario.get(f"/api/v1/expedientes/{expediente_id}").json()
    return "pases" not in detalle["incompletos"] and detalle["tenencia"] is not None


def test_pase_de_una_mesa_a_otra_recibido_por_el_qr_del_remito(
    sistema: Sistema, tmp_path: Path
) -> None:
    origen, destino = Usuario(sistema, "mesa.cap"), Usuario(sistema, "mesa.sgg")
    expediente = origen.alta("Pedido de pase a Secretaría General", fojas=5)
    ruta = f"/api/v1/expedientes/{expediente['id']}"
    _hasta(lambda: _tenencia_conocida(origen, expediente["id"]), PLAZO_BUS, "pases lo conoce")

    envio = origen.post(
        "/api/v1/pases",
        json={
            "expediente_ids": [expediente["id"]],
            "mesa_destino_id": destino.mesa_id,
            "permiso": "ESCRITURA",
            "fojas_agregadas": 3,
            "tomos_agregados": 0,
            "observaciones": "Para su intervención",
        },
    )
    assert envio.status_code == 201, envio.text
    (pase,) = envio.json()["pases"]
    remito = envio.json()["remito"]
    assert remito["numero"] >= 1

    def en_mesa_del_destino() -> bool:
        r = destino.get("/api/v1/mesa/en-mesa")
        assert r.status_code == 200, r.text
        return any(item["pase"]["id"] == pase["id"] for item in r.json()["items"])

    _hasta(en_mesa_del_destino, PLAZO_BUS, "el destino lo ve en mesa")
    _hasta(
        lambda: origen.get(ruta).json()["expediente"]["estado"] == "RECEPCION_PENDIENTE",
        PLAZO_BUS,
        "expedientes lo muestra RECEPCION_PENDIENTE",
    )

    pdf = origen.get(f"/api/v1/remitos/{remito['id']}.pdf")
    assert pdf.status_code == 200, pdf.text
    leido = _qr(pdf.content, tmp_path)
    codigo = leido.rsplit("/", 1)[-1]
    assert codigo == remito["codigo_verificacion"], leido
    recepcion = destino.post("/api/v1/mesa/recepciones", json={"items": [{"codigo": codigo}]})
    assert recepcion.status_code == 200, recepcion.text

    def recibido() -> list[str] | None:
        r = destino.get(ruta + "/historial")
        if r.status_code != 200:
            return None
        acciones = [item["accion"] for item in r.json()["items"]]
        return acciones if "pase.recibido" in acciones else None

    acciones = _hasta(recibido, PLAZO_BUS, "el historial registra la recepción")
    hechos = [a for a in acciones if a in ("expediente.iniciado", "pase.enviado", "pase.recibido")]
    assert hechos == ["expediente.iniciado", "pase.enviado", "pase.recibido"], acciones
    assert destino.get(ruta).json()["expediente"]["fojas"] == 5 + 3

    edicion = destino.patch(ruta, json={"extracto": "Pedido de pase, con intervención de SGG"})
    assert edicion.status_code == 200, edicion.text
    ajena = origen.patch(ruta, json={"extracto": "La mesa de origen ya no lo tiene"})
    assert ajena.status_code == 409, ajena.text


def test_expediente_reservado_no_se_filtra_a_otra_mesa_en_ningun_servicio(
    sistema: Sistema,
) -> None:
    mesa, carga = Usuario(sistema, "mesa.cap"), Usuario(sistema, "carga.cap")
    ajena = Usuario(sistema, "mesa.sgg")
    clave = "sumario" + uuid.uuid4().hex[:8]
    expediente = mesa.alta(f"Sumario administrativo {clave}", caracter="RESERVADO")
    base = f"/api/v1/expedientes/{expediente['id']}"
    archivo = _subir(
        carga, expediente["id"], _escaneo(["Declaración testimonial reservada"]), "d.png"
    )
    _procesado(sistema, carga, expediente["id"], archivo["id"])
    _hasta(lambda: _tenencia_conocida(mesa, expediente["id"]), PLAZO_BUS, "pases lo conoce")

    rutas = (base, base + "/historial", base + "/caratula.pdf", base + "/pases", base + "/archivos")
    for ruta in rutas:  # its own desk reads it in every service: each one holds its copy
        assert mesa.get(ruta).status_code == 200, ruta
    _hasta(
        lambda: expediente["id"] in mesa.encontrados("/api/v1/expedientes", "testimonial"),
        PLAZO_BUS,
        "su mesa lo encuentra por el texto del documento",
    )

    # Another desk gets, from every service, the answer for an id never made at that moment:
    # 404 from expedientes; from pases' and archivos' copies the "not heard of it yet, ask
    # again" 409 while the id is recent (`alcance.desconocido`, 5 min), then 404 as well.
    fantasma = uuid7(instante(uuid.UUID(expediente["id"])))
    for ruta in rutas:
        r = ajena.get(ruta)
        inexistente = ajena.get(ruta.replace(expediente["id"], str(fantasma)))
        assert r.status_code in (404, 409), (ruta, r.text)
        assert _problema(r) == _problema(inexistente), ruta
        assert clave not in r.text
    for ruta in rutas[:3]:  # expedientes' own routes
        assert ajena.get(ruta).status_code == 404, ruta
    for q in (clave, "testimonial", expediente["referencia"]):
        assert expediente["id"] not in ajena.encontrados("/api/v1/expedientes", q), q
        assert expediente["id"] not in ajena.encontrados("/api/v1/consulta-global", q), q
        assert expediente["id"] not in mesa.encontrados("/api/v1/consulta-global", q), q
