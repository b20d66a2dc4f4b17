"""Scanned pages made here: Spanish text drawn with Pillow, slightly rotated, blurred and
noisy, as a desk's scanner leaves them (for the tests and `tests/bench/ocr.py`)."""

from __future__ import annotations

import io
import random
from pathlib import Path

from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFilter, ImageFont

PARRAFO = (
    "En la ciudad capital de la provincia, la mesa de entradas del ministerio recibe la "
    "solicitud de habilitación presentada por la señora Rodríguez, quien acompaña copia de "
    "su documento, el certificado de domicilio y la constancia de inscripción tributaria. "
    "Se deja constancia de que las fojas fueron foliadas y rubricadas por el agente actuante, "
    "y se remiten las actuaciones a la dirección de asuntos jurídicos para su dictamen."
)


# Debian's fonts-dejavu-core (scripts/bootstrap.sh): Pillow's own font has no accented letters.
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def _fuente(tamanio: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if DEJAVU.is_file():
        return ImageFont.truetype(str(DEJAVU), tamanio)
    return ImageFont.load_default(size=tamanio)


def lineas(texto: str, ancho: int = 60) -> list[str]:
    salida, actual = [], ""
    for palabra in texto.split():
        if actual and len(actual) + 1 + len(palabra) > ancho:
            salida.append(actual)
            actual = palabra
        else:
            actual = f"{actual} {palabra}".strip()
    return [*salida, actual] if actual else salida


def pagina(
    renglones: list[str],
    semilla: int = 0,
    tamanio: tuple[int, int] = (1654, 2339),  # A4 at 200 dpi
    letra: int = 40,
) -> Image.Image:
    """A greyscale page with `renglones` written on it, as a scanner returns it."""
    azar = random.Random(semilla)
    hoja = Image.new("L", tamanio, 250)
    dibujo = ImageDraw.Draw(hoja)
    fuente = _fuente(letra)
    y = 160
    for renglon in renglones:
        dibujo.text((140, y), renglon, fill=20, font=fuente)
        y += int(letra * 1.6)
    hoja = hoja.rotate(azar.uniform(-0.6, 0.6), fillcolor=250, resample=Image.Resampling.BICUBIC)
    hoja = hoja.filter(ImageFilter.GaussianBlur(0.6))
    ruido = Image.effect_noise(tamanio, 18)
    return Image.blend(hoja, ruido, 0.12)


def paginas_del_parrafo(cuantas: int, titulo: str = "EXPEDIENTE") -> list[Image.Image]:
    return [
        pagina([f"{titulo} {numero + 1}-2026", "", *lineas(PARRAFO)], semilla=numero)
        for numero in range(cuantas)
    ]


def png(imagen: Image.Image) -> bytes:
    salida = io.BytesIO()
    imagen.save(salida, format="PNG")
    return salida.getvalue()


def tiff(imagenes: list[Image.Image]) -> bytes:
    """A multi-page TIFF, as a feeder scanner makes one."""
    salida = io.BytesIO()
    imagenes[0].save(
        salida, format="TIFF", save_all=True, append_images=imagenes[1:], compression="tiff_lzw"
    )
    return salida.getvalue()


def pdf_con_texto(paginas: list[str]) -> bytes:
    """A PDF whose pages carry a text layer (made by a word processor, not scanned)."""
    documento = FPDF()
    documento.set_font("helvetica", size=12)
    for texto in paginas:
        documento.add_page()
        documento.multi_cell(0, 8, text=texto)
    return bytes(documento.output())


def pdf_escaneado(imagenes: list[Image.Image], carpeta: Path) -> bytes:
    """A PDF whose pages are only images (a scanner's PDF): no text layer at all."""
    documento = FPDF(unit="pt", format="A4")
    for numero, imagen in enumerate(imagenes):
        ruta = carpeta / f"escaneo-{numero}.png"
        imagen.save(ruta)
        documento.add_page()
        documento.image(str(ruta), x=0, y=0, w=documento.w, h=documento.h)
    return bytes(documento.output())
