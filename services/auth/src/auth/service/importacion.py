"""Reading a catalogue file (CSV or YAML) into validated rows, naming the row of every error.

Only the file is checked here (columns, required values, formats, duplicates); references to
organismos already in the database are checked by `catalogo.importar`.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, TypeVar

import yaml

from auth.service.lectura_segura import TARDA_DEMASIADO, ArchivoHostil, Plazo, documento_yaml
from sigexp_common.errors import CampoInvalido, DatoInvalido

Formato = Literal["csv", "yaml"]

ENTIDADES = {
    "organismo": "organismo",
    "organismos": "organismo",
    "mesa": "mesa",
    "mesas": "mesa",
    "dependencia": "dependencia",
    "dependencias": "dependencia",
    "tipo": "tipo",
    "tipos": "tipo",
}
COLUMNAS_CSV = (
    "entidad",
    "codigo",
    "nombre",
    "nombre_corto",
    "organismo_codigo",
    "es_oficina",
    "activo",
)
OBLIGATORIAS_CSV = ("entidad", "codigo", "nombre")
CAMPOS = {
    "organismo": ("codigo", "nombre", "nombre_corto", "activo"),
    "mesa": ("codigo", "organismo_codigo", "nombre", "es_oficina", "activo"),
    "dependencia": ("codigo", "organismo_codigo", "nombre", "activo"),
    "tipo": ("codigo", "nombre", "activo"),
}
_FORMATO_CODIGO = {
    "organismo": (re.compile(r"^\d{1,20}$"), "Debe tener solo dígitos (hasta 20)."),
    "mesa": (
        re.compile(r"^[A-Za-z0-9._-]{1,60}$"),
        "Use letras, dígitos, '.', '_' o '-' (hasta 60).",
    ),
    "dependencia": (
        re.compile(r"^[A-Za-z0-9._-]{1,60}$"),
        "Use letras, dígitos, '.', '_' o '-' (hasta 60).",
    ),
    "tipo": (
        re.compile(r"^[A-Z0-9_]{1,40}$"),
        "Use mayúsculas sin tildes, dígitos o '_' (hasta 40).",
    ),
}
_VERDADEROS = {"si", "sí", "s", "true", "verdadero", "1", "x", "yes"}
_FALSOS = {"no", "n", "false", "falso", "0", ""}
MAX_ERRORES = 50


@dataclass
class Fila:
    entidad: str
    fila: int
    codigo: str
    nombre: str
    nombre_corto: str | None = None
    organismo_codigo: str | None = None
    es_oficina: bool = False
    activo: bool = True


@dataclass
class Catalogo:
    formato: Formato
    filas: list[Fila] = field(default_factory=list)

    def de(self, entidad: str) -> list[Fila]:
        return [f for f in self.filas if f.entidad == entidad]


class _Errores:
    def __init__(self) -> None:
        self.lista: list[CampoInvalido] = []

    def agregar(self, fila: int, campo: str, mensaje: str) -> None:
        if len(self.lista) < MAX_ERRORES:
            self.lista.append(CampoInvalido(f"fila {fila}: {campo}", mensaje))

    def lanzar_si_hay(self) -> None:
        if self.lista:
            primero = self.lista[0]
            raise DatoInvalido(
                f"El archivo tiene {len(self.lista)} error(es); no se importó nada. "
                f"Primero: {primero.campo}: {primero.mensaje}",
                self.lista,
            )


def _error_archivo(mensaje: str) -> DatoInvalido:
    return DatoInvalido(mensaje, [CampoInvalido("archivo", mensaje)])


def detectar_formato(nombre: str | None, tipo_contenido: str | None) -> Formato | None:
    nombre = (nombre or "").lower()
    tipo = (tipo_contenido or "").lower()
    if nombre.endswith(".csv") or "csv" in tipo:
        return "csv"
    if nombre.endswith((".yaml", ".yml")) or "yaml" in tipo:
        return "yaml"
    return None


def _texto(valor: Any) -> str:
    if valor is None:
        return ""
    if isinstance(valor, bool):
        return "true" if valor else "false"
    return str(valor).strip()


def _es_escalar(valor: Any) -> bool:
    """A value a cell can hold (YAML may give lists, objects, sets or binary instead)."""
    return valor is None or isinstance(valor, str | int | float | date)


def _escalares(n: int, valores: dict[str, Any], errores: _Errores) -> dict[str, Any]:
    """The values, each checked to be a scalar before it is converted: one that is not is
    reported (and left out), never turned into text (a nested one could be enormous)."""
    buenos: dict[str, Any] = {}
    for campo, valor in valores.items():
        if _es_escalar(valor):
            buenos[campo] = valor
        elif campo in ("es_oficina", "activo"):
            errores.agregar(n, campo, "Debe ser sí o no (true/false).")
        else:
            errores.agregar(n, campo, "Debe ser un texto, no una lista ni un objeto.")
    return buenos


def _booleano(valor: Any, fila: int, campo: str, errores: _Errores, defecto: bool) -> bool:
    if isinstance(valor, bool):
        return valor
    texto = _texto(valor).lower()
    if texto == "":
        return defecto
    if texto in _VERDADEROS:
        return True
    if texto in _FALSOS:
        return False
    errores.agregar(fila, campo, "Debe ser sí o no (true/false).")
    return defecto


def _fila(entidad: str, n: int, valores: dict[str, Any], errores: _Errores) -> Fila | None:
    permitidos = CAMPOS[entidad]
    valores = _escalares(n, valores, errores)
    for campo, valor in valores.items():
        if campo not in permitidos and _texto(valor) != "":
            errores.agregar(n, campo, f"No corresponde a un/a {entidad}.")
    codigo = _texto(valores.get("codigo"))
    if entidad == "tipo":
        codigo = codigo.upper()
    nombre = _texto(valores.get("nombre"))
    patron, mensaje = _FORMATO_CODIGO[entidad]
    if not codigo:
        errores.agregar(n, "codigo", "Es obligatorio.")
    elif not patron.match(codigo):
        errores.agregar(n, "codigo", mensaje)
    if not nombre:
        errores.agregar(n, "nombre", "Es obligatorio.")
    elif len(nombre) > 300:
        errores.agregar(n, "nombre", "Debe tener como máximo 300 caracteres.")
    corto = _texto(valores.get("nombre_corto")) or None
    if corto and len(corto) > 60:
        errores.agregar(n, "nombre_corto", "Debe tener como máximo 60 caracteres.")
    organismo = _texto(valores.get("organismo_codigo")) or None
    if entidad in ("mesa", "dependencia") and not organismo:
        errores.agregar(n, "organismo_codigo", "Es obligatorio para mesas y dependencias.")
    return Fila(
        entidad=entidad,
        fila=n,
        codigo=codigo,
        nombre=nombre,
        nombre_corto=corto if entidad == "organismo" else None,
        organismo_codigo=organismo if entidad in ("mesa", "dependencia") else None,
        es_oficina=_booleano(valores.get("es_oficina"), n, "es_oficina", errores, False),
        activo=_booleano(valores.get("activo"), n, "activo", errores, True),
    )


def registros_csv(
    texto: str,
    columnas: Sequence[str],
    obligatorias: Sequence[str],
    desconocida: str,
    errores: _Errores,
    plazo: Plazo,
) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of an imported CSV (`;` or `,`) as `(fila, {columna: valor})`, after its header
    was checked (`desconocida` is the message for a column not in `columnas`). Blank rows are
    skipped and a row of the wrong width is an error of its own; a header error or a malformed
    file stops the import."""
    primera = texto.split("\n", 1)[0]
    delimitador = ";" if primera.count(";") > primera.count(",") else ","
    lector = csv.reader(io.StringIO(texto), delimiter=delimitador)
    try:
        encabezado = [c.strip().lower() for c in next(lector)]
    except StopIteration:
        raise _error_archivo("El archivo está vacío.") from None
    for columna in encabezado:
        if columna not in columnas:
            errores.agregar(1, columna or "(sin nombre)", desconocida)
    for columna in obligatorias:
        if columna not in encabezado:
            errores.agregar(1, columna, "Falta esta columna obligatoria.")
    if len(set(encabezado)) != len(encabezado):
        errores.agregar(1, "encabezado", "Hay columnas repetidas.")
    errores.lanzar_si_hay()
    try:
        for n, registro in enumerate(lector, start=2):
            plazo.vigilar()
            if not any(c.strip() for c in registro):
                continue
            if len(registro) != len(encabezado):
                errores.agregar(
                    n,
                    "columnas",
                    f"Tiene {len(registro)} valores y el encabezado {len(encabezado)} columnas.",
                )
                continue
            yield n, dict(zip(encabezado, registro, strict=True))
    except csv.Error as exc:
        raise _error_archivo(f"El CSV está mal formado: {exc}.") from exc


def _leer_csv(texto: str, errores: _Errores, plazo: Plazo) -> list[Fila]:
    desconocida = f"Columna desconocida. Columnas válidas: {', '.join(COLUMNAS_CSV)}."
    filas: list[Fila] = []
    for n, valores in registros_csv(
        texto, COLUMNAS_CSV, OBLIGATORIAS_CSV, desconocida, errores, plazo
    ):
        entidad = ENTIDADES.get(valores.pop("entidad").strip().lower())
        if entidad is None:
            errores.agregar(n, "entidad", "Debe ser organismo, mesa, dependencia o tipo.")
            continue
        fila = _fila(entidad, n, valores, errores)
        if fila is not None:
            filas.append(fila)
    return filas


def _leer_yaml(texto: str, errores: _Errores, plazo: Plazo) -> list[Fila]:
    try:
        documento = documento_yaml(texto, plazo)
    except ArchivoHostil as exc:
        raise _error_archivo(f"{exc}.") from exc
    except (yaml.YAMLError, ValueError, TypeError) as exc:  # what SafeLoader raises on bad input
        marca = getattr(exc, "problem_mark", None)
        donde = f" (fila {marca.line + 1})" if marca is not None else ""
        raise _error_archivo(f"El YAML está mal formado{donde}.") from exc
    if not isinstance(documento, dict):
        raise _error_archivo(
            "El YAML debe tener las secciones organismos, mesas, dependencias y/o tipos."
        )
    filas: list[Fila] = []
    raiz = documento.pop("__linea__", 1)
    for seccion, items in documento.items():
        entidad = ENTIDADES.get(str(seccion).lower()) if str(seccion).endswith("s") else None
        if entidad is None:
            errores.agregar(
                raiz, str(seccion), "Sección desconocida (organismos, mesas, dependencias, tipos)."
            )
            continue
        if items is None:
            continue
        if not isinstance(items, list):
            errores.agregar(raiz, str(seccion), "Debe ser una lista.")
            continue
        for item in items:
            plazo.vigilar()
            if not isinstance(item, dict):
                errores.agregar(raiz, str(seccion), "Cada elemento debe ser un objeto con campos.")
                continue
            n = int(item.pop("__linea__", raiz))
            for clave in item:
                if clave not in CAMPOS[entidad]:
                    errores.agregar(n, str(clave), f"Campo desconocido para {seccion}.")
            valores = {str(k): v for k, v in item.items() if k in CAMPOS[entidad]}
            fila = _fila(entidad, n, valores, errores)
            if fila is not None:
                filas.append(fila)
    return filas


def leer(contenido: bytes, formato: Formato, limite_segundos: float | None = None) -> Catalogo:
    """Parse and check the whole file; raises DatoInvalido listing every bad row, or naming
    `archivo` when the file cannot be read (or takes longer than `limite_segundos`). Slow on
    purpose-built files only up to that limit: call it off the event loop."""
    plazo = Plazo(limite_segundos)
    try:
        texto = contenido.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _error_archivo(
            "El archivo no está en UTF-8. Guárdelo con codificación UTF-8 y vuelva a enviarlo."
        ) from exc
    errores = _Errores()
    try:
        filas = (
            _leer_csv(texto, errores, plazo)
            if formato == "csv"
            else _leer_yaml(texto, errores, plazo)
        )
    except ArchivoHostil as exc:
        raise _error_archivo(f"{exc}.") from exc
    vistos: dict[tuple[str, str], int] = {}
    for fila in filas:
        clave = (fila.entidad, fila.codigo)
        if fila.codigo and clave in vistos:
            errores.agregar(
                fila.fila,
                "codigo",
                f"Código duplicado: {fila.codigo} ya aparece en la fila {vistos[clave]}.",
            )
        vistos.setdefault(clave, fila.fila)
    if not filas and not errores.lista:
        raise _error_archivo("El archivo no tiene filas para importar.")
    errores.lanzar_si_hay()
    return Catalogo(formato=formato, filas=filas)


L = TypeVar("L")


async def en_un_hilo(
    lector: Callable[[bytes, Formato, float], L],
    contenido: bytes,
    formato: Formato,
    limite_segundos: float,
) -> L:
    """`lector` (this module's `leer`, or the holidays') in a worker thread, so the event loop
    keeps answering while a big file is read; past `limite_segundos` the answer is a 422 (and
    the reading thread stops at its plazo)."""
    try:
        return await asyncio.wait_for(
            asyncio.to_thread(lector, contenido, formato, limite_segundos), limite_segundos + 1
        )
    except TimeoutError:
        raise _error_archivo(f"{TARDA_DEMASIADO}.") from None


async def leer_aparte(contenido: bytes, formato: Formato, limite_segundos: float) -> Catalogo:
    """`leer` in a worker thread (see `en_un_hilo`)."""
    return await en_un_hilo(leer, contenido, formato, limite_segundos)


def errores_de_referencias(catalogo: Catalogo, organismos_en_base: set[str]) -> None:
    """Mesas and dependencias must name an organismo of the file or of the database."""
    errores = _Errores()
    conocidos = organismos_en_base | {f.codigo for f in catalogo.de("organismo")}
    for fila in catalogo.filas:
        if fila.organismo_codigo and fila.organismo_codigo not in conocidos:
            errores.agregar(
                fila.fila,
                "organismo_codigo",
                f"El organismo {fila.organismo_codigo} no existe (ni en el archivo ni cargado).",
            )
    errores.lanzar_si_hay()
