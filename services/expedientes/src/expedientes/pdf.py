"""Printed documents of the expedientes service (fpdf2, QR codes with segno): the carátula,
the A4 cover that goes on the paper file, whose QR the reception screen scans."""

from __future__ import annotations

import io
from dataclasses import dataclass

import segno
from fpdf import FPDF

# The PDF core fonts speak Latin-1 (all of Spanish); anything else is printed as "?".
_SUSTITUTOS = str.maketrans(
    {"—": "-", "–": "-", "“": '"', "”": '"', "‘": "'", "’": "'", "…": "..."}
)


def _latin1(texto: str) -> str:
    return texto.translate(_SUSTITUTOS).encode("latin-1", "replace").decode("latin-1")


@dataclass(frozen=True)
class Caratula:
    """What the cover prints (already decided: a RESERVADO file's extracto is not here)."""

    referencia: str
    codigo: str
    organismo: str
    extracto: str
    tipo: str
    caracter: str
    fecha: str
    iniciador: str
    mesa_inicio: str
    numero_gde: str | None
    qr: str  # the text the QR encodes


def caratula(datos: Caratula) -> bytes:
    """An A4 page: header, the referencia in large type, the data as labelled rows, the
    extracto in a framed box and the QR at the top right."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_title(_latin1(f"Carátula {datos.referencia}"))
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    pdf.set_margins(20, 20, 20)

    qr = io.BytesIO()
    segno.make(datos.qr, error="m").save(qr, kind="png", scale=10, border=2)
    qr.seek(0)
    pdf.image(qr, x=150, y=18, w=40, h=40)

    pdf.set_xy(20, 20)
    pdf.set_font("Helvetica", "B", 11)
    pdf.multi_cell(125, 6, _latin1(datos.organismo.upper()))
    pdf.set_font("Helvetica", "", 10)
    pdf.set_x(20)
    pdf.cell(125, 6, _latin1(f"Código de organismo {datos.codigo}"))
    pdf.set_xy(20, 45)
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(125, 8, "EXPEDIENTE")
    pdf.set_xy(20, 62)
    pdf.set_font("Helvetica", "B", 30)
    pdf.cell(170, 14, _latin1(f"N° {datos.referencia}"))
    pdf.line(20, 80, 190, 80)

    pdf.set_y(86)
    filas = [
        ("Tipo", datos.tipo),
        ("Carácter", datos.caracter),
        ("Fecha de inicio", datos.fecha),
        ("Iniciado por", datos.iniciador),
        ("Mesa de inicio", datos.mesa_inicio),
    ]
    if datos.numero_gde:
        filas.append(("Número GDE", datos.numero_gde))
    for etiqueta, valor in filas:
        pdf.set_x(20)
        pdf.set_font("Helvetica", "B", 12)
        pdf.cell(45, 9, _latin1(etiqueta))
        pdf.set_font("Helvetica", "", 12)
        pdf.cell(125, 9, _latin1(valor), new_x="LMARGIN", new_y="NEXT")

    pdf.set_y(pdf.get_y() + 8)
    pdf.set_x(20)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(170, 9, "Extracto", new_x="LMARGIN", new_y="NEXT")
    arriba = pdf.get_y()
    pdf.set_font("Helvetica", "", 12)
    pdf.set_xy(23, arriba + 3)
    pdf.multi_cell(164, 7, _latin1(datos.extracto[:1500]))
    pdf.rect(20, arriba, 170, max(40.0, pdf.get_y() - arriba + 3))

    pdf.set_xy(20, 277)
    pdf.set_font("Helvetica", "I", 8)
    pdf.cell(170, 5, _latin1(f"SIGEXP · código para la recepción: {datos.qr}"), align="C")
    return bytes(pdf.output())
