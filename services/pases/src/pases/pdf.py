"""The printed remito (A4, fpdf2) with the QR code (segno) of its verification URL.

Core PDF fonts only (no font files to ship, fast for 200 rows): text is Latin-1, so the few
typographic characters outside it are replaced by their plain equivalents before writing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from pases.plazos import ZONA

_EQUIVALENTES = str.maketrans(
    {"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": "...", "•": "-"}
)
_ANCHOS = (12, 38, 108, 16, 16)  # N.º, referencia, extracto, fojas, tomos (mm; 190 in all)
_FILA = 6.0


def latin1(texto: str) -> str:
    """Text a core font can write: typographic quotes and dashes made plain, anything else
    outside Latin-1 as '?'."""
    return texto.translate(_EQUIVALENTES).encode("latin-1", "replace").decode("latin-1")


@dataclass(frozen=True)
class ItemImpreso:
    referencia: str
    extracto: str  # already "RESERVADO" for a reserved expediente
    fojas: int | None
    tomos: int | None


@dataclass(frozen=True)
class RemitoImpreso:
    numero: int
    anio: int
    mesa_origen: str
    organismo_origen: str | None
    mesa_destino: str
    organismo_destino: str | None
    dependencia: str | None
    emitido_por: str
    emitido_en: datetime
    url_verificacion: str
    items: list[ItemImpreso]


class _Documento(FPDF):
    def __init__(self, remito: RemitoImpreso) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.remito = remito
        self.set_margins(10, 10, 10)
        self.set_auto_page_break(auto=True, margin=18)
        self.set_title(latin1(f"Remito {remito.numero}/{remito.anio}"))
        self.set_creator("SIGEXP")

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font("Helvetica", size=8)
        r = self.remito
        self.cell(
            0,
            5,
            latin1(f"SIGEXP - Remito N.º {r.numero}/{r.anio} - Página {self.page_no()}/{{nb}}"),
            align="C",
        )

    def encabezado_de_tabla(self) -> None:
        self.set_font("Helvetica", "B", 9)
        self.set_fill_color(225, 225, 225)
        for ancho, titulo in zip(
            _ANCHOS, ("N.º", "Referencia", "Extracto", "Fojas", "Tomos"), strict=True
        ):
            self.cell(ancho, 7, latin1(titulo), border=1, fill=True, align="C")
        self.ln(7)
        self.set_font("Helvetica", size=9)


def _recortar(pdf: FPDF, texto: str, ancho: float) -> str:
    """One line of `texto` that fits `ancho` mm, cut with '...' when longer."""
    texto = latin1(" ".join(texto.split()))
    if pdf.get_string_width(texto) <= ancho:
        return texto
    # Characters of this font average well above 1.2 mm at 9 pt: start near the answer.
    corte = min(len(texto), int(ancho / 1.2))
    while corte > 0 and pdf.get_string_width(texto[:corte] + "...") > ancho:
        corte -= 1
    return texto[:corte].rstrip() + "..."


def _qr_png(url: str) -> io.BytesIO:
    salida = io.BytesIO()
    segno.make(url, error="m").save(salida, kind="png", scale=6, border=2)
    salida.seek(0)
    return salida


def _datos(pdf: _Documento, r: RemitoImpreso) -> None:
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(140, 9, latin1(f"REMITO N.º {r.numero}/{r.anio}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", size=9)
    pdf.cell(
        140, 5, "SIGEXP - Pase de expedientes entre mesas", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.ln(3)
    enviado = r.emitido_en.astimezone(ZONA).strftime("%d/%m/%Y %H:%M")
    origen = r.mesa_origen + (f" ({r.organismo_origen})" if r.organismo_origen else "")
    destino = r.mesa_destino + (f" ({r.organismo_destino})" if r.organismo_destino else "")
    fojas = sum(i.fojas or 0 for i in r.items)
    filas = [
        ("Mesa de origen", origen),
        ("Mesa de destino", destino),
        *([("Dependencia", r.dependencia)] if r.dependencia else []),
        ("Enviado por", r.emitido_por),
        ("Fecha", f"{enviado} (hora de la provincia)"),
        ("Expedientes", f"{len(r.items)} ({fojas} fojas)"),
    ]
    for etiqueta, valor in filas:
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(34, 6, latin1(etiqueta + ":"))
        pdf.set_font("Helvetica", size=10)
        pdf.multi_cell(110, 6, latin1(valor), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    fin_de_datos = pdf.get_y()
    pdf.image(_qr_png(r.url_verificacion), x=160, y=10, w=40, h=40)
    pdf.set_xy(146, 51)
    pdf.set_font("Helvetica", size=7)
    pdf.multi_cell(
        54,
        3.2,
        latin1("Verifique este remito escaneando el código:\n" + r.url_verificacion),
        align="C",
    )
    pdf.set_y(max(fin_de_datos, pdf.get_y()) + 4)


def _firmas(pdf: _Documento) -> None:
    if pdf.get_y() > pdf.h - 60:
        pdf.add_page()
    pdf.ln(14)
    y = pdf.get_y()
    for x, titulo in ((10, "Entregó (mesa de origen)"), (110, "Recibió (mesa de destino)")):
        pdf.set_xy(x, y)
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(90, 6, latin1(titulo))
        pdf.set_font("Helvetica", size=9)
        for n, campo in enumerate(("Firma", "Aclaración", "Fecha y hora")):
            linea = y + 16 + n * 11
            pdf.line(x + 24, linea, x + 88, linea)
            pdf.set_xy(x, linea - 4)
            pdf.cell(24, 5, latin1(campo + ":"))


def _fila(pdf: FPDF, valores: tuple[str, ...]) -> None:
    """One row of the table: its borders as lines and each value placed with `text` (a cell
    per value costs fpdf's line-breaking machinery: 200 rows would take most of a second)."""
    x, y = pdf.l_margin, pdf.get_y()
    pdf.rect(x, y, sum(_ANCHOS), _FILA)
    base = y + _FILA / 2 + 1.1  # the baseline of 9 pt text centred in the row
    for ancho, valor, alineado in zip(_ANCHOS, valores, "CLLRR", strict=True):
        if alineado == "L":
            pdf.text(x + 1, base, valor)
        else:
            sobra = ancho - pdf.get_string_width(valor)
            pdf.text(x + (sobra / 2 if alineado == "C" else sobra - 1), base, valor)
        x += ancho
        if x < pdf.l_margin + sum(_ANCHOS):
            pdf.line(x, y, x, y + _FILA)
    pdf.set_y(y + _FILA)


def remito_pdf(remito: RemitoImpreso) -> bytes:
    """The remito as a PDF document."""
    pdf = _Documento(remito)
    pdf.alias_nb_pages()
    pdf.add_page()
    _datos(pdf, remito)
    pdf.encabezado_de_tabla()
    for n, item in enumerate(remito.items, start=1):
        if pdf.will_page_break(_FILA):
            pdf.add_page()
            pdf.encabezado_de_tabla()
        valores = (
            str(n),
            _recortar(pdf, item.referencia, _ANCHOS[1] - 2),
            _recortar(pdf, item.extracto, _ANCHOS[2] - 2),
            "" if item.fojas is None else str(item.fojas),
            "" if item.tomos is None else str(item.tomos),
        )
        _fila(pdf, valores)
    _firmas(pdf)
    return bytes(pdf.output())
