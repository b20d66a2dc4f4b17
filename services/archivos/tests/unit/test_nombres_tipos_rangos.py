"""The pure rules of uploads and downloads: names made safe, types by content, HTTP ranges."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from archivos.nombres import content_disposition, nombre_seguro
from archivos.service.descarga import Rango, RangoNoSatisfacible, leer_rango
from archivos.tipos import tipo_por_contenido


@pytest.mark.parametrize(
    ("crudo", "guardado"),
    [
        ("C:\\fakepath\\Acta Nº 5.pdf", "Acta Nº 5.pdf"),
        ("../../etc/passwd", "passwd"),
        ("a\x00b\u202ec.pdf", "abc.pdf"),
        ("..", "archivo"),
        (None, "archivo"),
        ("Resolucio\u0301n.pdf", "Resolución.pdf"),  # NFC
    ],
)
def test_el_nombre_guardado_es_el_ultimo_componente_sin_controles(
    crudo: str | None, guardado: str
) -> None:
    assert nombre_seguro(crudo) == guardado


def test_un_nombre_largo_se_corta_conservando_la_extension() -> None:
    nombre = nombre_seguro("x" * 400 + ".pdf")
    assert (len(nombre), nombre[-4:]) == (255, ".pdf")


def test_content_disposition_lleva_respaldo_ascii_y_el_nombre_exacto() -> None:
    valor = content_disposition('Año "2026"; 100%.pdf')
    ascii_, exacto = valor.split("; filename*=UTF-8''")
    assert ascii_ == 'attachment; filename="Ano _2026__ 100_.pdf"'
    assert unquote(exacto) == 'Año "2026"; 100%.pdf'
    assert all(c.isascii() and c not in ' "\r\n;' for c in exacto)


@pytest.mark.parametrize(
    ("inicio", "tipo"),
    [
        (b"%PDF-1.7\n", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n\x00", "image/png"),
        (b"\xff\xd8\xff\xdb", "image/jpeg"),
        (b"II*\x00\x08\x00", "image/tiff"),
        (b"MM\x00*\x00\x00", "image/tiff"),
        (b"GIF89a", None),
        (b"<!doctype html>", None),
        (b" %PDF-1.4", None),
    ],
)
def test_el_tipo_sale_de_los_primeros_bytes(inicio: bytes, tipo: str | None) -> None:
    assert tipo_por_contenido(inicio) == tipo


@pytest.mark.parametrize(
    ("cabecera", "rango"),
    [
        (None, None),
        ("bytes=0-99", Rango(0, 99)),
        ("bytes=900-", Rango(900, 999)),
        ("bytes=-10", Rango(990, 999)),
        ("bytes=-5000", Rango(0, 999)),
        ("bytes=500-5000", Rango(500, 999)),
        ("bytes=0-1,5-6", None),  # several ranges: answered whole
        ("items=0-1", None),
        ("bytes=9-3", None),  # invalid: ignored
    ],
)
def test_un_rango_se_lee_como_dice_rfc_9110(cabecera: str | None, rango: Rango | None) -> None:
    assert leer_rango(cabecera, 1000) == rango


@pytest.mark.parametrize("cabecera", ["bytes=1000-", "bytes=5000-6000", "bytes=-0"])
def test_un_rango_fuera_del_archivo_no_es_satisfacible(cabecera: str) -> None:
    with pytest.raises(RangoNoSatisfacible):
        leer_rango(cabecera, 1000)
