"""The command line of `make bench` (tests/bench/bench.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

import completo

ROOT = Path(__file__).resolve().parents[2]
USUARIO = ("mesa.cap", "Demo-Sigexp-2026")  # auth's demo MESA_ENTRADA (services/auth demo.py)


def argumentos(descripcion: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=descripcion, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--segundos", type=float, default=10.0, help="load per scenario")
    parser.add_argument("--conexiones", type=int, default=16)
    parser.add_argument("--expedientes", type=int, default=500, help="seeded before reading")
    parser.add_argument("--calentamiento", type=float, default=2.0)
    parser.add_argument("--reposo", type=float, default=1.0, help="idle window before each")
    parser.add_argument("--calma-max", type=float, default=10.0)
    parser.add_argument("--breve", action="store_true", help="1 s per scenario, 32 expedientes")
    parser.add_argument("--salida", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument(
        "--url",
        action="append",
        metavar="SERVICIO=URL",
        help="a running system instead of starting one: gateway, auth and expedientes at\n"
        "least (e.g. --url gateway=http://127.0.0.1:8000); the others make their CPU count",
    )
    parser.add_argument(
        "--bases", help="with --url: its databases, comma-separated (default: every backend)"
    )
    parser.add_argument(
        "--solo",
        help="only these parts or read-path scenarios, comma-separated (the ceilings their\n"
        f"targets need run too); parts: {', '.join(completo.PARTES)}",
    )
    parser.add_argument(
        "--niveles", default="1,4,16,64", help="the mixed workload's concurrency levels"
    )
    parser.add_argument(
        "--sin-siembra",
        action="store_true",
        help="no seeding at scale: the per-issue benches that need it are skipped unless\n"
        "their data is already there (busqueda: its 1M expedientes)",
    )
    parser.add_argument(
        "--perfil",
        type=Path,
        metavar="DIR",
        help="py-spy record of every SIGEXP process during each load, summarised per scenario\n"
        "in DIR/<scenario>/resumen.txt (needs py-spy: the dev group has it)",
    )
    parser.add_argument("--usuario", default=USUARIO[0])
    parser.add_argument("--password", default=USUARIO[1])
    args = parser.parse_args()
    if args.breve:
        args.segundos, args.expedientes, args.calentamiento = 1.0, 32, 0.0
        args.reposo, args.calma_max = 0.2, 3.0
    return args
