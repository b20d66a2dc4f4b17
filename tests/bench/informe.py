"""The table of a run (figure, ceiling, ratio, target, pass/fail, CPU per request) and its
JSON file under bench/results/. The targets are those of issue 8."""

from __future__ import annotations

import json
import operator
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Medida:
    """What one scenario measured."""

    clave: str
    etiqueta: str
    unidad: str  # "pedidos/s" or "filas/s"
    por_segundo: float
    total: int  # requests (or rows) done
    exitosas: int
    estados: dict[str, int]
    errores_socket: int
    segundos: float
    p50_ms: float | None
    p99_ms: float | None
    cpu_ms: float  # machine-wide CPU per successful request (or row)
    cpu_s_por_grupo: dict[str, float]
    reposo_descontado_s: dict[str, float]
    calma_s: float


@dataclass(frozen=True)
class Objetivo:
    """A target: `valor(medidas) <op> meta`, as a ratio to a ceiling or as an absolute figure."""

    cifra: str
    clave: str
    magnitud: str  # "por_segundo", "cpu_ms", "p99_ms"
    techo: str | None  # the ceiling scenario, for a ratio
    comparacion: str  # ">=" or "<="
    meta: float
    texto: str


OBJETIVOS = (
    Objetivo(
        "detalle auditado directo",
        "detalle_directo",
        "por_segundo",
        "techo_lectura",
        ">=",
        0.35,
        "≥ 35% de la lectura asyncpg",
    ),
    Objetivo(
        "CPU por lectura auditada (ms)",
        "detalle_directo",
        "cpu_ms",
        None,
        "<=",
        2.5,
        "≤ 2,5 ms",
    ),
    Objetivo(
        "/auth/me por gateway",
        "me_gateway",
        "por_segundo",
        "me_directo",
        ">=",
        0.80,
        "≥ 80% del directo",
    ),
    Objetivo(
        "detalle compuesto por gateway",
        "detalle_gateway",
        "por_segundo",
        "techo_lectura",
        ">=",
        0.12,
        "≥ 12% de la lectura asyncpg",
    ),
    Objetivo(
        "p99 detalle compuesto (ms)",
        "detalle_gateway",
        "p99_ms",
        None,
        "<=",
        100.0,
        "< 100 ms a 16 conexiones",
    ),
    Objetivo(  # issue 14
        "detalle compuesto por gateway, 64 conexiones",
        "detalle_gateway_64",
        "por_segundo",
        "techo_hola_64",
        ">=",
        0.25,
        "≥ 25% del hola mundo (64 conexiones)",
    ),
    Objetivo(
        "alta por gateway",
        "alta_gateway",
        "por_segundo",
        "techo_insercion",
        ">=",
        0.40,
        "≥ 40% del INSERT asyncpg",
    ),
)
# Ratios shown without a target of the issue: what bounds a figure besides the project's code.
RAZONES = (("alta ÷ INSERT numerado en una serie", "alta_gateway", "techo_numerada"),)
_OPERADORES: dict[str, Callable[[float, float], bool]] = {">=": operator.ge, "<=": operator.le}


def filas(medidas: dict[str, Medida]) -> list[dict[str, Any]]:
    """One row per scenario, then one per target (with its ratio and whether it is met)."""
    resultado: list[dict[str, Any]] = []
    for m in medidas.values():
        resultado.append(
            {
                "cifra": f"{m.etiqueta} ({m.unidad})",
                "valor": m.por_segundo,
                "p99_ms": m.p99_ms,
                "cpu_ms": m.cpu_ms,
                "techo": None,
                "razon": None,
                "objetivo": None,
                "cumple": None,
            }
        )
    for o in OBJETIVOS:
        if o.clave not in medidas or (o.techo is not None and o.techo not in medidas):
            continue  # a run of some scenarios only (`--solo`)
        m = medidas[o.clave]
        valor = float(getattr(m, o.magnitud))
        techo = None
        if o.techo is not None:
            techo = medidas[o.techo].por_segundo
            comparado = valor / techo if techo else 0.0
        else:
            comparado = valor
        resultado.append(
            {
                "cifra": o.cifra,
                "valor": valor,
                "p99_ms": m.p99_ms,
                "cpu_ms": m.cpu_ms,
                "techo": techo,
                "razon": valor / techo if techo else None,
                "objetivo": o.texto,
                "cumple": _OPERADORES[o.comparacion](comparado, o.meta),
            }
        )
    for cifra, clave, techo_ in RAZONES:
        if clave in medidas and techo_ in medidas:
            m, techo = medidas[clave], medidas[techo_].por_segundo
            resultado.append(
                {
                    "cifra": cifra,
                    "valor": m.por_segundo,
                    "p99_ms": m.p99_ms,
                    "cpu_ms": m.cpu_ms,
                    "techo": techo,
                    "razon": m.por_segundo / techo if techo else None,
                    "objetivo": None,
                    "cumple": None,
                }
            )
    return resultado


def _numero(valor: float | None, decimales: int = 1) -> str:
    return "—" if valor is None else f"{valor:,.{decimales}f}"


def tabla(filas_: list[dict[str, Any]]) -> str:
    encabezado = (
        "cifra",
        "valor",
        "techo",
        "razón",
        "objetivo",
        "resultado",
        "CPU ms/ped",
        "p99 ms",
    )
    lineas = [encabezado]
    for f in filas_:
        cumple = f["cumple"]
        lineas.append(
            (
                f["cifra"],
                _numero(f["valor"], 2 if f["valor"] < 10 else 1),
                _numero(f["techo"]),
                "—" if f["razon"] is None else f"{f['razon']:.2f}",
                f["objetivo"] or "—",
                "—" if cumple is None else ("CUMPLE" if cumple else "NO CUMPLE"),
                _numero(f["cpu_ms"], 2),
                _numero(f["p99_ms"]),
            )
        )
    anchos = [max(len(linea[i]) for linea in lineas) for i in range(len(encabezado))]
    texto = [
        " | ".join(
            c.ljust(anchos[i]) if i in (0, 4, 5) else c.rjust(anchos[i])
            for i, c in enumerate(linea)
        )
        for linea in lineas
    ]
    texto.insert(1, "-+-".join("-" * a for a in anchos))
    return "\n".join(texto)


def avisos(medidas: dict[str, Medida]) -> list[str]:
    """Scenarios whose answers were not all successful: their figure counts only the 2xx."""
    lineas = []
    for m in medidas.values():
        fallidas = m.total - m.exitosas
        if fallidas or m.errores_socket:
            lineas.append(
                f"aviso: {m.etiqueta}: {fallidas} respuestas no 2xx {m.estados}, "
                f"{m.errores_socket} errores de socket (la cifra cuenta solo las 2xx)"
            )
    return lineas


def escribir(
    carpeta: Path, nombre: str, condiciones: dict[str, Any], medidas: dict[str, Medida]
) -> Path:
    carpeta.mkdir(parents=True, exist_ok=True)
    destino = carpeta / f"{nombre}.json"
    contenido = {
        "condiciones": condiciones,
        "escenarios": {clave: asdict(m) for clave, m in medidas.items()},
        "filas": filas(medidas),
    }
    destino.write_text(json.dumps(contenido, indent=2, ensure_ascii=False) + "\n")
    return destino
