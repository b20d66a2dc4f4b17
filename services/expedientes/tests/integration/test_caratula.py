"""The carátula: an A4 PDF cover whose QR the reception screen scans (`SIGEXP:EXP:<id>`);
a RESERVADO file's cover does not print its extracto."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx

MESA = "sigexp.mesa.actualizada.v1"


def _png(pdf: bytes, carpeta: Path, nombre: str) -> Path:
    """Page 1 rendered by poppler at 100 dpi (what a person would look at)."""
    (carpeta / f"{nombre}.pdf").write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "100",
            "-singlefile",
            str(carpeta / f"{nombre}.pdf"),
            str(carpeta / nombre),
        ],
        check=True,
    )
    return carpeta / f"{nombre}.png"


def _qr(png: Path) -> str:
    salida = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, text=True, check=True
    )
    return salida.stdout.strip()


def _texto(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def _pagina(pdf: Path) -> str:
    informe = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return next(linea for linea in informe.stdout.splitlines() if linea.startswith("Page size"))


async def _mesa_en_el_catalogo(eventos, mesa) -> None:
    datos = {
        "id": str(mesa.id),
        "codigo": "CAP-ME",
        "nombre": "CAP - Mesa de Entradas y Salidas",
        "organismo_id": str(mesa.organismo_id),
        "organismo_codigo": mesa.codigo,
        "organismo_nombre": "CONSEJO AGRARIO PROVINCIAL (AUTÁRQUICO)",
        "organismo_version": 1,
        "es_oficina": False,
        "activo": True,
    }
    evento = await eventos.publicar(MESA, datos, mesa.id, 1)
    await eventos.consumidos(evento)


async def test_la_caratula_es_un_a4_con_sus_datos_y_un_qr_que_se_lee(
    cliente: httpx.AsyncClient, mesa, acciones, eventos, tmp_path: Path
) -> None:
    await _mesa_en_el_catalogo(eventos, mesa)
    alta = await acciones.alta(
        mesa,
        letras="GSC",
        extracto="Solicitud de asignación de fondos para la campaña de vacunación antiaftosa",
        tipo="LICITACION",
        numero_gde="EX-2024-12345678- -APN-DGDYD#JGM",
    )
    r = await cliente.get(f"/api/v1/expedientes/{alta['id']}/caratula.pdf", headers=mesa.headers())
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf"
    png = _png(r.content, Path(os.environ.get("SIGEXP_CARATULA_DIR", tmp_path)), "caratula")

    assert _qr(png) == f"SIGEXP:EXP:{alta['id']}"
    texto = _texto(png.with_suffix(".pdf"))
    for esperado in (
        alta["referencia"],
        mesa.codigo,
        "CONSEJO AGRARIO PROVINCIAL (AUTÁRQUICO)",
        "campaña de vacunación",
        "Público",
        "CAP - Mesa de Entradas y Salidas",
        "EX-2024-12345678- -APN-DGDYD#JGM",
    ):
        assert esperado in texto, esperado
    assert "(A4)" in _pagina(png.with_suffix(".pdf"))


async def test_la_caratula_de_un_reservado_no_imprime_el_extracto(
    cliente: httpx.AsyncClient, mesa, acciones, tmp_path: Path
) -> None:
    alta = await acciones.alta(mesa, caracter="RESERVADO", extracto="Sumario por faltante de caja")
    r = await cliente.get(f"/api/v1/expedientes/{alta['id']}/caratula.pdf", headers=mesa.headers())
    png = _png(
        r.content, Path(os.environ.get("SIGEXP_CARATULA_DIR", tmp_path)), "caratula-reservada"
    )
    texto = _texto(png.with_suffix(".pdf"))
    assert "faltante de caja" not in texto
    assert "EXPEDIENTE RESERVADO" in texto
    assert _qr(png) == f"SIGEXP:EXP:{alta['id']}"
