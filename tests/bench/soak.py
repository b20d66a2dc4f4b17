"""`make soak`: the mixed workload of `make bench` (70% reads, 20% pases, 10% altas, through
the gateway) at a steady rate for `--minutos` (30), on a system started here (issue 18).

It reports:
- the RSS of every SIGEXP process (each service and its children) at the start and at the
  end of the load, flagging a growth beyond 10%;
- outbox lag per service every `--ventana` seconds: rows not yet published and the age of
  the oldest of them;
- p50/p99 per window (a minute by default) and the status codes.

Writes bench/results/soak-<date>.json and .png (p99 over time). Load goes only to 127.0.0.1,
bounded by the rate and the minutes. `--minutos 3` is a short run worth reporting.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import grafico
import mezcla
import sistema as sistema_
from bench import _token, sembrar
from completo import CAP, SGG
from progreso import Progreso

from sigexp_testing import workspace
from sigexp_testing.infra import TestInfra, local_infra

ROOT = Path(__file__).resolve().parents[2]
CRECIMIENTO_MAXIMO = 0.10


def _rss_kb(pid: int) -> int:
    try:
        for linea in Path(f"/proc/{pid}/status").read_text().splitlines():
            if linea.startswith("VmRSS:"):
                return int(linea.split()[1])
    except OSError:
        pass
    return 0


def _hijos(pid: int) -> list[int]:
    try:
        texto = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    hijos = [int(h) for h in texto.split()]
    return hijos + [n for h in hijos for n in _hijos(h)]


def memoria(raices: dict[int, str]) -> dict[str, dict[str, int]]:
    """RSS in kB of each service's process and of each of its children (uvicorn workers)."""
    return {
        servicio: {str(p): _rss_kb(p) for p in (pid, *_hijos(pid))}
        for pid, servicio in raices.items()
    }


async def outbox(dsns: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Per service: outbox rows not yet published and the oldest one's age in seconds."""
    resultado = {}
    for servicio, dsn in dsns.items():
        conn = await asyncpg.connect(dsn)
        try:
            if not await conn.fetchval("SELECT to_regclass('outbox') IS NOT NULL"):
                continue
            fila = await conn.fetchrow(
                "SELECT count(*) AS n, extract(epoch FROM now() - min(created_at)) AS edad "
                "FROM outbox WHERE published_at IS NULL AND dead_at IS NULL"
            )
            edad = fila["edad"]
            resultado[servicio] = {
                "sin_publicar": int(fila["n"]),
                "mas_vieja_s": None if edad is None else round(float(edad), 2),
            }
        finally:
            await conn.close()
    return resultado


def _dsns(infra: TestInfra) -> dict[str, str]:
    return {
        s.name: infra.database_url(f"bench_{s.name}").replace("+asyncpg", "")
        for s in workspace.with_database()
    }


def ventanas(pedidos: list[mezcla.Pedido], t0: float, ventana: float) -> list[dict[str, Any]]:
    """p50/p99 of the 2xx and the status counts of each window of the run."""
    grupos: dict[int, list[mezcla.Pedido]] = {}
    for p in pedidos:
        grupos.setdefault(int((p.inicio - t0) // ventana), []).append(p)
    resultado = []
    for n in sorted(grupos):
        hecho = mezcla.resumen(grupos[n], ventana)
        resultado.append({"desde_s": n * ventana, **hecho})
    return resultado


async def cargar(
    mixta: mezcla.Mezcla, args: argparse.Namespace, dsns: dict[str, str], progreso: Progreso
) -> tuple[list[mezcla.Pedido], list[dict[str, Any]], float]:
    segundos = args.minutos * 60
    muestras: list[dict[str, Any]] = []
    t0 = time.monotonic()

    async def muestrear() -> None:
        while time.monotonic() - t0 < segundos:
            muestras.append({"en_s": round(time.monotonic() - t0, 1), "outbox": await outbox(dsns)})
            await asyncio.sleep(args.ventana)

    async def renovar() -> None:
        # An access token lasts 15 minutes (auth's ACCESS_TOKEN_MINUTES): the clerks log in
        # again well before, as the UI refreshes, or every request after it would be a 401.
        while time.monotonic() - t0 < segundos - args.renovar:
            await asyncio.sleep(args.renovar)
            mixta.tokens, _ = await mezcla.preparar(mixta.gateway, (CAP, SGG))

    def avisar(pasados: float) -> None:
        progreso.carga(pasados, segundos)

    pedidos, *_ = await asyncio.gather(
        mixta.abierto(args.por_segundo, segundos, cada=avisar), muestrear(), renovar()
    )
    muestras.append({"en_s": round(time.monotonic() - t0, 1), "outbox": await drenada(dsns)})
    return pedidos, muestras, t0


async def drenada(dsns: dict[str, str], hasta_s: float = 30.0) -> dict[str, dict[str, Any]]:
    """The outboxes once the last events committed under the load are out (or `hasta_s` went
    by): what is still unpublished then is lag that does not drain."""
    limite = time.monotonic() + hasta_s
    final = await outbox(dsns)
    while any(o["sin_publicar"] for o in final.values()) and time.monotonic() < limite:
        await asyncio.sleep(0.5)
        final = await outbox(dsns)
    return final


def crecimiento(
    antes: dict[str, dict[str, int]], despues: dict[str, dict[str, int]]
) -> dict[str, dict[str, Any]]:
    """Each service's total RSS at start and end, and whether it grew beyond 10%."""
    resultado = {}
    for servicio, procesos in antes.items():
        inicio = sum(procesos.values())
        fin = sum(despues.get(servicio, {}).values())
        razon = (fin - inicio) / inicio if inicio else 0.0
        resultado[servicio] = {
            "inicio_mb": round(inicio / 1024, 1),
            "fin_mb": round(fin / 1024, 1),
            "crecimiento": round(razon, 3),
            "excede_10": razon > CRECIMIENTO_MAXIMO,
        }
    return resultado


def _argumentos() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--minutos", type=float, default=30.0)
    parser.add_argument("--por-segundo", type=float, default=20.0, help="the steady rate")
    parser.add_argument(
        "--renovar", type=float, default=300.0, help="seconds between the clerks' logins"
    )
    parser.add_argument("--ventana", type=float, default=60.0, help="seconds per sample")
    parser.add_argument("--expedientes", type=int, default=300, help="seeded: read, sent")
    parser.add_argument("--salida", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    if args.minutos * 60 < args.ventana:
        args.ventana = max(1.0, args.minutos * 60 / 4)
    return args


def main() -> None:
    args = _argumentos()
    progreso = Progreso()
    fecha = datetime.now(UTC)
    with ExitStack() as stack:
        infra = local_infra(stack)
        progreso.fase("arrancando el sistema")
        sis = sistema_.arrancar(stack, infra)
        progreso.fase(f"sembrando {args.expedientes} expedientes")
        token = asyncio.run(_token(sis.url("gateway"), CAP))
        ids = asyncio.run(
            sembrar(sis.url("expedientes"), sis.url("gateway"), token, args.expedientes)
        )
        tokens, mesas = asyncio.run(mezcla.preparar(sis.url("gateway"), (CAP, SGG)))
        mixta = mezcla.Mezcla(sis.url("gateway"), tokens, mesas, ids)
        dsns = _dsns(infra)
        rss_inicio = memoria(sis.raices)
        progreso.fase(f"carga mixta a {args.por_segundo:g}/s durante {args.minutos:g} min")
        pedidos, muestras, t0 = asyncio.run(cargar(mixta, args, dsns, progreso))
        rss_fin = memoria(sis.raices)
        errores = sistema_.errores(sis)
        progreso.fase("parando el sistema")
    progreso.fin()
    por_ventana = ventanas(pedidos, t0, args.ventana)
    rss = crecimiento(rss_inicio, rss_fin)
    documento = {
        "script": "soak.py",
        "fecha": fecha.isoformat(),
        "carga": list(os.getloadavg()),
        "nucleos": os.cpu_count(),
        "minutos": args.minutos,
        "por_segundo": args.por_segundo,
        "ventana_s": args.ventana,
        "programados": int(args.por_segundo * args.minutos * 60),
        "total": mezcla.resumen(pedidos, args.minutos * 60),
        "ventanas": por_ventana,
        "rss": rss,
        "rss_procesos": {"inicio": rss_inicio, "fin": rss_fin},
        "outbox": muestras,
        "errores_en_registros": errores,
    }
    nombre = f"soak-{fecha:%Y-%m-%dT%H%M%SZ}"
    args.salida.mkdir(parents=True, exist_ok=True)
    destino = args.salida / f"{nombre}.json"
    destino.write_text(json.dumps(documento, indent=2, ensure_ascii=False) + "\n")
    grafico.lineas(
        args.salida / f"{nombre}.png",
        f"Soak: carga mixta a {args.por_segundo:g}/s, p99 por ventana de {args.ventana:g} s",
        "minuto",
        "latencia (ms)",
        {
            # a window with no 2xx has no latency to draw (its statuses are in the JSON)
            "p99 (ms)": [(v["desde_s"] / 60, v["p99_ms"]) for v in por_ventana if v["p99_ms"]],
            "p50 (ms)": [(v["desde_s"] / 60, v["p50_ms"]) for v in por_ventana if v["p50_ms"]],
        },
    )
    _imprimir(documento, destino)


def _imprimir(documento: dict[str, Any], destino: Path) -> None:
    total = documento["total"]
    print(
        f"{documento['programados']} programados, {total['pedidos']} enviados, "
        f"{total['exitosos']} 2xx, estados {total['estados']}; "
        f"p50 {total['p50_ms']} ms, p99 {total['p99_ms']} ms"
    )
    for v in documento["ventanas"]:
        print(f"  desde {v['desde_s'] / 60:5.1f} min: p99 {v['p99_ms']} ms, {v['estados']}")
    for servicio, r in documento["rss"].items():
        marca = "  CRECIÓ MÁS DE 10%" if r["excede_10"] else ""
        print(f"  RSS {servicio:12} {r['inicio_mb']:7.1f} → {r['fin_mb']:7.1f} MB{marca}")
    final = documento["outbox"][-1]["outbox"]
    peor = max(
        (m["outbox"].get(s, {}).get("sin_publicar", 0), s, m["en_s"])
        for m in documento["outbox"]
        for s in final
    )
    print(f"  outbox al terminar: {final}; peor muestra: {peor[0]} sin publicar en {peor[1]}")
    print(f"carga media: {documento['carga']}  ({documento['nucleos']} núcleos)")
    print(f"resultados: {destino}")
    fallas = fallas_del_soak(documento)
    print("soak: " + ("; ".join(fallas) if fallas else "CUMPLE (solo 2xx, RSS dentro del 10%)"))
    sys.stdout.flush()
    if fallas:
        raise SystemExit(1)


def fallas_del_soak(documento: dict[str, Any]) -> list[str]:
    """What makes the run a failure: any answer but 2xx, a process whose RSS grew beyond 10%,
    rows left unpublished in an outbox at the end."""
    fallas = []
    total = documento["total"]
    if total["exitosos"] != total["pedidos"]:
        fallas.append(f"{total['pedidos'] - total['exitosos']} respuestas no 2xx")
    crecieron = [s for s, r in documento["rss"].items() if r["excede_10"]]
    if crecieron:
        fallas.append(f"RSS creció más de 10% en {', '.join(crecieron)}")
    final = documento["outbox"][-1]["outbox"]
    pendientes = {s: o["sin_publicar"] for s, o in final.items() if o.get("sin_publicar")}
    if pendientes:
        fallas.append(f"outbox sin publicar al terminar: {pendientes}")
    return fallas


if __name__ == "__main__":
    main()
