"""OCR through Debian's `tesseract` command with the Spanish data (`tesseract-ocr-spa`)."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from PIL import Image

IDIOMA = "spa"
# One thread per tesseract: a worker's concurrency (and the number of workers) is then what
# decides how many cores OCR takes, and tesseract's own OpenMP threads do not fight them.
_ENTORNO = {**os.environ, "OMP_THREAD_LIMIT": "1"}


class OcrFallido(RuntimeError):
    """tesseract itself failed (missing, no language data, crashed): no fault of the file."""


def reconocer(imagen: Image.Image, idioma: str = IDIOMA, timeout: float = 600.0) -> str:
    """The text tesseract reads in `imagen` (one page)."""
    with tempfile.TemporaryDirectory(prefix="sigexp-ocr-") as carpeta:
        entrada = Path(carpeta) / "pagina.png"
        _para_ocr(imagen).save(entrada)
        try:
            salida = subprocess.run(
                ["tesseract", str(entrada), "stdout", "-l", idioma, "--psm", "3"],
                capture_output=True,
                env=_ENTORNO,
                timeout=timeout,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise OcrFallido(f"tesseract no pudo ejecutarse: {exc}") from exc
    if salida.returncode != 0:
        error = salida.stderr.decode("utf-8", "replace").strip()[-500:]
        raise OcrFallido(f"tesseract terminó con {salida.returncode}: {error}")
    return salida.stdout.decode("utf-8", "replace").strip()


def _para_ocr(imagen: Image.Image) -> Image.Image:
    """Greyscale: what tesseract binarises anyway, and a quarter of the bytes to write."""
    if imagen.mode in ("1", "L"):
        return imagen
    if imagen.mode in ("RGBA", "LA", "P"):
        fondo = Image.new("RGB", imagen.size, "white")
        con_alfa = imagen.convert("RGBA")
        fondo.paste(con_alfa, mask=con_alfa.getchannel("A"))
        imagen = fondo
    return imagen.convert("L")
