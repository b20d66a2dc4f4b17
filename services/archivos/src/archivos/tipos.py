"""What a file is, decided by its first bytes (magic numbers), never by its name."""

from __future__ import annotations

FIRMAS: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),  # little-endian TIFF
    (b"MM\x00*", "image/tiff"),  # big-endian TIFF
)
CABECERA = max(len(firma) for firma, _ in FIRMAS)  # bytes it takes to decide
ADMITIDOS = "PDF, PNG, JPEG o TIFF"
NO_ADMITIDO = (
    f"El archivo no es de un tipo admitido ({ADMITIDOS}): se decide por su contenido, "
    "no por su nombre."
)


def tipo_por_contenido(inicio: bytes) -> str | None:
    """The MIME type of a file that starts with `inicio`; None when it is none of ours."""
    for firma, tipo in FIRMAS:
        if inicio.startswith(firma):
            return tipo
    return None
