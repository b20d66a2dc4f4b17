"""The one row format every bench writes with `--salida FILE.json`, so `make bench` can merge
them into a single table (figure, baseline, ratio, target, pass/fail).

    {"script", "fecha", "carga" (os.getloadavg), "nucleos",
     "filas": [{"clave", "cifra", "valor", "unidad", "base", "base_etiqueta", "ratio",
                "objetivo", "pasa", "p99_ms"}]}

A row with a baseline has its `ratio` (valor / base); `pasa` is None when the row has no
target (a baseline itself, a figure only reported).
"""

from __future__ import annotations

import json
import operator
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_OPERADORES: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "<": operator.lt,
    ">": operator.gt,
}


def fila(
    clave: str,
    cifra: str,
    valor: float | None,
    unidad: str,
    *,
    base: float | None = None,
    base_etiqueta: str | None = None,
    objetivo: str | None = None,
    meta: tuple[str, float] | None = None,
    sobre_ratio: bool = False,
    p99_ms: float | None = None,
    pasa: bool | None = None,
) -> dict[str, Any]:
    """One row. `meta` = (operator, threshold) decides `pasa`, compared with the ratio when
    `sobre_ratio` and with the value otherwise; an explicit `pasa` wins over it."""
    ratio = valor / base if valor is not None and base else None
    if pasa is None and meta is not None:
        comparado = ratio if sobre_ratio else valor
        pasa = None if comparado is None else _OPERADORES[meta[0]](comparado, meta[1])
    return {
        "clave": clave,
        "cifra": cifra,
        "valor": None if valor is None else float(valor),
        "unidad": unidad,
        "base": None if base is None else float(base),
        "base_etiqueta": base_etiqueta,
        "ratio": ratio,
        "objetivo": objetivo,
        "pasa": pasa,
        "p99_ms": None if p99_ms is None else float(p99_ms),
    }


def documento(script: str, filas: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "script": script,
        "fecha": datetime.now(UTC).isoformat(),
        "carga": list(os.getloadavg()),
        "nucleos": os.cpu_count(),
        "filas": filas,
        **extra,
    }


def escribir(destino: Path, script: str, filas: list[dict[str, Any]], **extra: Any) -> None:
    destino.parent.mkdir(parents=True, exist_ok=True)
    texto = json.dumps(documento(script, filas, **extra), indent=2, ensure_ascii=False)
    destino.write_text(texto + "\n", encoding="utf-8")


def leer(origen: Path) -> dict[str, Any]:
    """A file a bench wrote, checked to hold the row format (a script that changed its output
    says so here rather than as a missing cell of the table)."""
    datos: dict[str, Any] = json.loads(origen.read_text(encoding="utf-8"))
    for f in datos["filas"]:
        faltan = {"clave", "cifra", "valor", "unidad", "objetivo", "pasa"} - set(f)
        if faltan:
            raise ValueError(f"{origen}: fila {f.get('clave')} sin {sorted(faltan)}")
    return datos


def _numero(valor: float | None) -> str:
    if valor is None:
        return "—"
    if abs(valor) >= 100:
        return f"{valor:,.0f}"
    return f"{valor:,.2f}" if abs(valor) < 10 else f"{valor:,.1f}"


def markdown(filas: list[dict[str, Any]]) -> str:
    """The table of a run: figure, baseline, ratio, target, pass/fail, p99."""
    lineas = [
        "| cifra | valor | base | razón | objetivo | resultado | p99 ms |",
        "|---|---:|---|---:|---|---|---:|",
    ]
    for f in filas:
        base = "—"
        if f.get("base") is not None:
            base = f"{_numero(f['base'])} ({f.get('base_etiqueta') or 'base'})"
        razon = "—" if f.get("ratio") is None else f"{f['ratio']:.2f}"
        resultado = {True: "CUMPLE", False: "**NO CUMPLE**", None: "—"}[f.get("pasa")]
        valor = f"{_numero(f['valor'])} {f['unidad']}"
        celdas = [
            f["cifra"],
            valor,
            base,
            razon,
            f.get("objetivo") or "—",
            resultado,
            _numero(f.get("p99_ms")),
        ]
        lineas.append("| " + " | ".join(c.replace("|", "/") for c in celdas) + " |")
    return "\n".join(lineas) + "\n"
