"""Line plots as PNG drawn with Pillow (matplotlib is not in the lock): latency against
concurrency for `make bench`, p99 against time for `make soak`."""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ANCHO, ALTO = 900, 520
MARGEN = {"izq": 80, "der": 170, "arr": 50, "aba": 60}
COLORES = [(31, 119, 180), (214, 39, 40), (44, 160, 44), (148, 103, 189), (255, 127, 14)]
Serie = list[tuple[float, float]]


def _fuente(tamano: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for ruta in (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    ):
        if Path(ruta).exists():
            return ImageFont.truetype(ruta, tamano)
    return ImageFont.load_default()


def _techo_redondo(valor: float) -> float:
    """A round upper bound for the y axis (1, 2 or 5 times a power of ten)."""
    if valor <= 0:
        return 1.0
    potencia = 10 ** math.floor(math.log10(valor))
    for factor in (1, 2, 5, 10):
        if valor <= factor * potencia:
            return float(factor * potencia)
    return float(10 * potencia)


def lineas(
    destino: Path,
    titulo: str,
    eje_x: str,
    eje_y: str,
    series: dict[str, Serie],
    x_logaritmico: bool = False,
) -> Path:
    """One line (with its points marked) per series; a log2 x axis for concurrency levels."""
    imagen = Image.new("RGB", (ANCHO, ALTO), "white")
    dibujo = ImageDraw.Draw(imagen)
    fuente, chica = _fuente(16), _fuente(12)
    x0, y0 = MARGEN["izq"], ALTO - MARGEN["aba"]
    x1, y1 = ANCHO - MARGEN["der"], MARGEN["arr"]
    puntos = [p for s in series.values() for p in s]
    xs = [p[0] for p in puntos] or [0.0, 1.0]

    def tx(x: float) -> float:
        return math.log2(max(x, 1e-9)) if x_logaritmico else x

    xmin, xmax = min(tx(x) for x in xs), max(tx(x) for x in xs)
    if xmax == xmin:
        xmin, xmax = xmin - 1, xmax + 1
    ymax = _techo_redondo(max([p[1] for p in puntos] or [1.0]) * 1.05)

    def px(x: float, y: float) -> tuple[float, float]:
        return (
            x0 + (tx(x) - xmin) / (xmax - xmin) * (x1 - x0),
            y0 - y / ymax * (y0 - y1),
        )

    dibujo.text(((x0 + x1) / 2, 15), titulo, fill="black", font=fuente, anchor="mt")
    dibujo.line([(x0, y1), (x0, y0), (x1, y0)], fill="black", width=1)
    for i in range(6):  # y grid
        y = ymax * i / 5
        _, py = px(xs[0], y)
        dibujo.line([(x0, py), (x1, py)], fill=(225, 225, 225))
        dibujo.text((x0 - 8, py), f"{y:g}", fill="black", font=chica, anchor="rm")
    marcas = sorted({x for x in xs}) if x_logaritmico or len(set(xs)) <= 12 else None
    if marcas is None:  # round steps (1, 2 or 5 times a power of ten) within the range
        paso = _techo_redondo((max(xs) - min(xs)) / 6)
        primera, ultima = math.ceil(min(xs) / paso), math.floor(max(xs) / paso)
        marcas = [round(paso * k, 10) for k in range(primera, ultima + 1)]
    for x in marcas:
        ppx, _ = px(x, 0)
        dibujo.line([(ppx, y0), (ppx, y0 + 5)], fill="black")
        dibujo.text((ppx, y0 + 8), f"{x:g}", fill="black", font=chica, anchor="mt")
    dibujo.text(((x0 + x1) / 2, ALTO - 22), eje_x, fill="black", font=chica, anchor="mm")
    dibujo.text((10, y1 - 25), eje_y, fill="black", font=chica)
    for n, (nombre, serie) in enumerate(series.items()):
        color = COLORES[n % len(COLORES)]
        trazo = [px(x, y) for x, y in sorted(serie)]
        if len(trazo) > 1:
            dibujo.line(trazo, fill=color, width=2)
        for cx, cy in trazo:
            dibujo.ellipse([cx - 3, cy - 3, cx + 3, cy + 3], fill=color)
        ly = y1 + 22 * n
        dibujo.line([(x1 + 15, ly), (x1 + 40, ly)], fill=color, width=3)
        dibujo.text((x1 + 48, ly), nombre, fill="black", font=chica, anchor="lm")
    destino.parent.mkdir(parents=True, exist_ok=True)
    imagen.save(destino, "PNG")
    return destino
