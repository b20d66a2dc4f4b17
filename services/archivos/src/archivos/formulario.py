"""A multipart/form-data body read as it streams: each step yields what the bytes just read
completed (a text field, the start of the file, pieces of the file, its end), so a file goes
on to the storage while it arrives and is never held whole (python-multipart's push parser).

Text fields and part headers are bounded (`MAX_CAMPO`, `MAX_CABECERAS`); the file is the
caller's to bound, piece by piece.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from sigexp_common.errors import CampoInvalido, DatoInvalido, PeticionInvalida, TipoNoAdmitido

CAMPO_ARCHIVO = "archivo"
MAX_CAMPO = 16 * 1024  # bytes of a text field
MAX_CABECERAS = 8 * 1024  # bytes of one part's headers
MAX_PARTES = 20
NO_ES_MULTIPART = "Envíe el archivo como multipart/form-data, en el campo «archivo»."
MAL_FORMADO = "El formulario multipart no es válido."


@dataclass(frozen=True)
class Campo:
    nombre: str
    valor: str


@dataclass(frozen=True)
class InicioArchivo:
    nombre_archivo: str | None  # as the client named it (`filename`), not yet made safe


@dataclass(frozen=True)
class Datos:
    datos: memoryview  # a view of the body's piece just read: the bytes are not copied here


@dataclass(frozen=True)
class FinArchivo:
    pass


Parte = Campo | InicioArchivo | Datos | FinArchivo


def frontera(content_type: str | None) -> bytes:
    """The boundary of a multipart/form-data body; 415 for any other body."""
    tipo, opciones = parse_options_header(content_type or "")
    limite = opciones.get(b"boundary")
    if tipo != b"multipart/form-data" or not limite:
        raise TipoNoAdmitido(NO_ES_MULTIPART)
    return limite


class _Lector:
    """The parser's callbacks: they note what completed; `partes` hands it on."""

    def __init__(self, limite: bytes) -> None:
        self.listo: list[Parte] = []
        self._cabeceras: dict[bytes, bytes] = {}
        self._campo, self._valor = b"", b""
        self._bytes_cabeceras = 0
        self._nombre: str | None = None  # of the text field being read
        self._texto = bytearray()
        self._es_archivo = False
        self.partes = 0
        self.parser = MultipartParser(
            limite,
            {
                "on_part_begin": self._inicio_parte,
                "on_header_field": self._campo_cabecera,
                "on_header_value": self._valor_cabecera,
                "on_header_end": self._fin_cabecera,
                "on_headers_finished": self._fin_cabeceras,
                "on_part_data": self._datos,
                "on_part_end": self._fin_parte,
            },
        )

    def _inicio_parte(self) -> None:
        self.partes += 1
        if self.partes > MAX_PARTES:
            raise PeticionInvalida(MAL_FORMADO)
        self._cabeceras, self._bytes_cabeceras = {}, 0
        self._campo, self._valor = b"", b""

    def _contar(self, cuanto: int) -> None:
        self._bytes_cabeceras += cuanto
        if self._bytes_cabeceras > MAX_CABECERAS:
            raise PeticionInvalida(MAL_FORMADO)

    def _campo_cabecera(self, datos: bytes, inicio: int, fin: int) -> None:
        self._contar(fin - inicio)
        self._campo += datos[inicio:fin]

    def _valor_cabecera(self, datos: bytes, inicio: int, fin: int) -> None:
        self._contar(fin - inicio)
        self._valor += datos[inicio:fin]

    def _fin_cabecera(self) -> None:
        self._cabeceras[self._campo.strip().lower()] = self._valor.strip()
        self._campo, self._valor = b"", b""

    def _fin_cabeceras(self) -> None:
        _, opciones = parse_options_header(self._cabeceras.get(b"content-disposition", b""))
        nombre = opciones.get(b"name", b"").decode("utf-8", "replace")
        self._es_archivo = nombre == CAMPO_ARCHIVO
        if self._es_archivo:
            archivo = opciones.get(b"filename")
            self._nombre = None
            self.listo.append(
                InicioArchivo(archivo.decode("utf-8", "replace") if archivo else None)
            )
        else:
            self._nombre, self._texto = nombre, bytearray()

    def _datos(self, datos: bytes, inicio: int, fin: int) -> None:
        if self._es_archivo:
            self.listo.append(Datos(memoryview(datos)[inicio:fin]))
            return
        self._texto += datos[inicio:fin]
        if len(self._texto) > MAX_CAMPO:
            campo = self._nombre or "formulario"
            raise DatoInvalido(
                "Un campo del formulario es demasiado largo.",
                [CampoInvalido(campo, f"Debe tener como máximo {MAX_CAMPO} bytes.")],
            )

    def _fin_parte(self) -> None:
        if self._es_archivo:
            self.listo.append(FinArchivo())
        elif self._nombre:
            self.listo.append(Campo(self._nombre, self._texto.decode("utf-8", "replace")))
        self._es_archivo, self._nombre = False, None


async def partes(cuerpo: AsyncIterator[bytes], content_type: str | None) -> AsyncIterator[Parte]:
    """What the body carries, in order, as soon as it is read."""
    lector = _Lector(frontera(content_type))
    try:
        async for trozo in cuerpo:
            if not trozo:
                continue
            lector.parser.write(trozo)
            listo, lector.listo = lector.listo, []
            for parte in listo:
                yield parte
        lector.parser.finalize()
    except FormParserError as exc:
        raise PeticionInvalida(MAL_FORMADO) from exc
    for parte in lector.listo:
        yield parte
