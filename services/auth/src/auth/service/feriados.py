"""The holiday calendar: reading a file of feriados (CSV or YAML, like the catalogue), the
atomic import, the listing by year and the republication of every entry.

Plazos elsewhere count business days skipping these dates; each change travels as
`sigexp.feriado.actualizado.v1` (the row's version as its sequence), so consumers keep copies.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import yaml
from sqlalchemy import extract, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.events import FeriadoActualizado
from auth.models import Feriado
from auth.schemas import FeriadosImportadosOut
from auth.service.importacion import (
    Formato,
    _booleano,
    _error_archivo,
    _Errores,
    _texto,
    registros_csv,
)
from auth.service.lectura_segura import ArchivoHostil, Plazo, documento_yaml
from sigexp_common import audit, outbox
from sigexp_common.db import advisory_xact_lock
from sigexp_common.security import Usuario

_IMPORT_LOCK = "auth.feriados.importacion"
COLUMNAS = ("fecha", "nombre", "activo")
_DDMMAAAA = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


@dataclass(frozen=True)
class FilaFeriado:
    fila: int
    fecha: date
    nombre: str
    activo: bool


@dataclass
class Calendario:
    formato: Formato
    filas: list[FilaFeriado]


def _fecha(valor: Any) -> date | None:
    """A date as ISO `AAAA-MM-DD` or `DD/MM/AAAA` (YAML may already give a date)."""
    if isinstance(valor, datetime):
        return None
    if isinstance(valor, date):
        return valor
    texto = _texto(valor)
    try:
        if m := _DDMMAAAA.match(texto):
            return date(int(m[3]), int(m[2]), int(m[1]))
        return date.fromisoformat(texto) if len(texto) == 10 else None
    except ValueError:
        return None


def _fila(n: int, valores: dict[str, Any], errores: _Errores) -> FilaFeriado | None:
    for campo, valor in valores.items():
        if not (valor is None or isinstance(valor, str | int | float | date)):
            errores.agregar(n, campo, "Debe ser un texto, no una lista ni un objeto.")
            return None
    fecha = _fecha(valores.get("fecha"))
    if fecha is None:
        errores.agregar(n, "fecha", "Debe ser una fecha AAAA-MM-DD (o DD/MM/AAAA).")
    nombre = _texto(valores.get("nombre"))
    if not nombre:
        errores.agregar(n, "nombre", "Es obligatorio.")
    elif len(nombre) > 200:
        errores.agregar(n, "nombre", "Debe tener como máximo 200 caracteres.")
    activo = _booleano(valores.get("activo"), n, "activo", errores, True)
    if fecha is None or not nombre or len(nombre) > 200:
        return None
    return FilaFeriado(n, fecha, nombre, activo)


def _leer_csv(texto: str, errores: _Errores, plazo: Plazo) -> list[FilaFeriado]:
    desconocida = "Columna desconocida: fecha, nombre, activo."
    registros = registros_csv(texto, COLUMNAS, ("fecha", "nombre"), desconocida, errores, plazo)
    return [fila for n, valores in registros if (fila := _fila(n, valores, errores))]


def _leer_yaml(texto: str, errores: _Errores, plazo: Plazo) -> list[FilaFeriado]:
    try:
        documento = documento_yaml(texto, plazo)
    except ArchivoHostil as exc:
        raise _error_archivo(f"{exc}.") from exc
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        marca = getattr(exc, "problem_mark", None)
        donde = f" (fila {marca.line + 1})" if marca is not None else ""
        raise _error_archivo(f"El YAML está mal formado{donde}.") from exc
    if not isinstance(documento, dict) or not isinstance(documento.get("feriados"), list):
        raise _error_archivo("El YAML debe tener una sección «feriados» con una lista.")
    raiz = int(documento.pop("__linea__", 1))
    for seccion in documento:
        if seccion != "feriados":
            errores.agregar(raiz, str(seccion), "Sección desconocida (solo «feriados»).")
    filas: list[FilaFeriado] = []
    for item in documento["feriados"]:
        plazo.vigilar()
        if not isinstance(item, dict):
            errores.agregar(raiz, "feriados", "Cada elemento debe ser un objeto con campos.")
            continue
        n = int(item.pop("__linea__", raiz))
        for clave in item:
            if clave not in COLUMNAS:
                errores.agregar(n, str(clave), "Campo desconocido (fecha, nombre, activo).")
        if fila := _fila(n, {str(k): v for k, v in item.items() if k in COLUMNAS}, errores):
            filas.append(fila)
    return filas


def leer(contenido: bytes, formato: Formato, limite_segundos: float | None = None) -> Calendario:
    """Parse and check the whole file; raises DatoInvalido naming every bad row (call it off
    the event loop, as the catalogue's `importacion.leer`)."""
    plazo = Plazo(limite_segundos)
    try:
        texto = contenido.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _error_archivo("El archivo no está en UTF-8.") from exc
    errores = _Errores()
    try:
        lector = _leer_csv if formato == "csv" else _leer_yaml
        filas = lector(texto, errores, plazo)
    except ArchivoHostil as exc:
        raise _error_archivo(f"{exc}.") from exc
    vistas: dict[date, int] = {}
    for fila in filas:
        if fila.fecha in vistas:
            errores.agregar(
                fila.fila, "fecha", f"Fecha repetida: ya aparece en la fila {vistas[fila.fecha]}."
            )
        vistas.setdefault(fila.fecha, fila.fila)
    if not filas and not errores.lista:
        raise _error_archivo("El archivo no tiene feriados para importar.")
    errores.lanzar_si_hay()
    return Calendario(formato=formato, filas=filas)


async def importar(
    db: AsyncSession, calendario: Calendario, por: Usuario | None
) -> FeriadosImportadosOut:
    """Apply a validated file: every row or none (the caller's transaction), idempotent;
    each new or changed date is published."""
    await advisory_xact_lock(db, _IMPORT_LOCK)
    fechas = [f.fecha for f in calendario.filas]
    existentes = {
        f.fecha: f for f in await db.scalars(select(Feriado).where(Feriado.fecha.in_(fechas)))
    }
    creados = actualizados = sin_cambios = 0
    cambiados: list[Feriado] = []
    for fila in calendario.filas:
        feriado = existentes.get(fila.fecha)
        if feriado is None:
            feriado = Feriado(fecha=fila.fecha, nombre=fila.nombre, activo=fila.activo)
            db.add(feriado)
            creados += 1
        elif (feriado.nombre, feriado.activo) != (fila.nombre, fila.activo):
            feriado.nombre, feriado.activo = fila.nombre, fila.activo
            actualizados += 1
        else:
            sin_cambios += 1
            continue
        cambiados.append(feriado)
    await db.flush()  # versions for the events
    for feriado in cambiados:
        outbox.add(db, FeriadoActualizado.de(feriado))
    resultado = FeriadosImportadosOut(
        formato=calendario.formato,
        creados=creados,
        actualizados=actualizados,
        sin_cambios=sin_cambios,
    )
    audit.registrar(db, por, "feriado.importar", "feriados", detalle=resultado.model_dump())
    return resultado


async def listar(db: AsyncSession, anio: int | None) -> Sequence[Feriado]:
    consulta = select(Feriado).order_by(Feriado.fecha)
    if anio is not None:
        consulta = consulta.where(extract("year", Feriado.fecha) == anio)
    return (await db.scalars(consulta)).all()


async def republicar(db: AsyncSession) -> int:
    """Publish every feriado again (part of the catalogue's republication)."""
    n = 0
    for feriado in await db.scalars(select(Feriado)):
        outbox.add(db, FeriadoActualizado.de(feriado))
        n += 1
    return n
