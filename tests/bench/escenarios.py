"""The scenarios of a run, in order: the ceilings first, then the project's routes, the alta
last (it leaves new rows and audit records behind; nothing after it reads them)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import carga
import cpu
from sistema import Sistema

from sigexp_testing import workspace

TECHO = frozenset({"techo", "postgres", *cpu.COMPARTIDOS})
ALTA = json.dumps({"extracto": "Alta de carga del banco", "tomos": 1, "fojas": 3})


@dataclass
class Contexto:
    args: argparse.Namespace
    wrk: str
    grupos: cpu.Grupos
    sistema: Sistema
    token: str
    ids: list[str]  # seeded expedientes
    filas_techo: list[str]  # rows of the ceiling's table
    puertos: dict[str, int]  # ceiling apps
    dsn: str  # the ceiling's database
    raices: dict[int, str]  # the classifier's roots: a ceiling process started later joins it


@dataclass
class Escenario:
    clave: str
    etiqueta: str
    grupos: frozenset[str]  # whose CPU is the cost of this scenario
    pedido: carga.Pedido | None = None
    insercion: Callable[[float], dict[str, Any]] = field(default=lambda s: {})
    unidad: str = "pedidos/s"
    conexiones: int | None = None  # wrk's connections, when not the run's `--conexiones`


def _insercion(ctx: Contexto, techo: str = "insercion") -> Callable[[float], dict[str, Any]]:
    def correr(segundos: float) -> dict[str, Any]:
        argv = [sys.executable, str(Path(__file__).with_name("techos.py")), techo]
        argv += ["--dsn", ctx.dsn, "--segundos", str(segundos)]
        argv += ["--conexiones", str(ctx.args.conexiones)]
        proceso = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        ctx.raices[proceso.pid] = "techo"
        salida, errores = proceso.communicate(timeout=segundos + 60)
        if proceso.returncode != 0:
            raise RuntimeError(f"techos.py {techo}: {errores.decode(errors='replace')[-1500:]}")
        hecho: dict[str, Any] = json.loads(salida)
        return hecho

    return correr


def escenarios(ctx: Contexto) -> list[Escenario]:
    sis = ctx.sistema
    proyecto = frozenset({*workspace.names(), "postgres", *cpu.COMPARTIDOS})
    con_token = {"Authorization": f"Bearer {ctx.token}"}
    detalle = [f"/api/v1/expedientes/{i}" for i in ctx.ids]
    local = "http://127.0.0.1"
    return [
        Escenario(
            "techo_hola",
            "techo: hola mundo FastAPI",
            TECHO,
            carga.Pedido(f"{local}:{ctx.puertos['hola']}", ["/hola"]),
        ),
        Escenario(  # the composed detail's ceiling (issue 14): at its 64 connections
            "techo_hola_64",
            "techo: hola mundo FastAPI, 64 conexiones",
            TECHO,
            carga.Pedido(f"{local}:{ctx.puertos['hola']}", ["/hola"]),
            conexiones=64,
        ),
        Escenario(
            "techo_lectura",
            "techo: FastAPI + 1 SELECT asyncpg",
            TECHO,
            carga.Pedido(
                f"{local}:{ctx.puertos['lectura']}",
                [f"/expedientes/{i}" for i in ctx.filas_techo],
            ),
        ),
        Escenario(
            "techo_insercion",
            "techo: INSERT asyncpg",
            TECHO,
            insercion=_insercion(ctx),
            unidad="filas/s",
        ),
        Escenario(  # no target: how far the numbering of one series alone lets altas go
            "techo_numerada",
            "techo: INSERT numerado en una serie, asyncpg",
            TECHO,
            insercion=_insercion(ctx, "numerada"),
            unidad="filas/s",
        ),
        Escenario(
            "detalle_directo",
            "detalle auditado, directo a expedientes",
            proyecto,
            carga.Pedido(sis.url("expedientes"), detalle, encabezados=con_token),
        ),
        Escenario(
            "me_directo",
            "GET /auth/me directo a auth",
            proyecto,
            carga.Pedido(sis.url("auth"), ["/api/v1/auth/me"], encabezados=con_token),
        ),
        Escenario(
            "me_gateway",
            "GET /auth/me por gateway",
            proyecto,
            carga.Pedido(sis.url("gateway"), ["/api/v1/auth/me"], encabezados=con_token),
        ),
        Escenario(
            "detalle_gateway",
            "detalle compuesto por gateway",
            proyecto,
            carga.Pedido(sis.url("gateway"), detalle, encabezados=con_token),
        ),
        Escenario(
            "detalle_gateway_64",
            "detalle compuesto por gateway, 64 conexiones",
            proyecto,
            carga.Pedido(sis.url("gateway"), detalle, encabezados=con_token),
            conexiones=64,
        ),
        Escenario(
            "alta_gateway",
            "alta por gateway (POST)",
            proyecto,
            carga.Pedido(
                sis.url("gateway"),
                ["/api/v1/expedientes"],
                metodo="POST",
                encabezados={**con_token, "Content-Type": "application/json"},
                cuerpo=ALTA,
            ),
        ),
    ]
