"""Reads at the seeded scale (issue 18): pases' route of an expediente among 3M pases and
archivos' list of an expediente among 100k archivos, each through its service's HTTP API
next to the same rows read with asyncpg in the same run. No issue sets a target for them:
the rows report the figure and its ratio.

Each service is started alone on a free port over its database seeded by generar_pases.py /
generar_archivos.py (`make bench` seeds them; here they must be there already), with a JWKS
of test keys and a broker vhost of its own; the token is a MESA_ENTRADA clerk of the desk
that holds the most expedientes, and the expedientes asked for are ones it holds. The objects
of the seeded archivos are not in S3; a list reads only the database.

    python tests/bench/escala.py [--segundos 10] [--conexiones 8] [--salida FILE.json]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import asyncpg
import carga
import resumen

from sigexp_testing.infra import free_port, local_infra, start_nanio, wait_until_ready
from sigexp_testing.tokens import TokenFactory, jwks_server

ROOT = Path(__file__).resolve().parents[2]
BASE = "postgresql://postgres@127.0.0.1:5432/"
CASOS = {
    # service: (database, holder's table, the route, the same read in SQL)
    "pases": (
        "sigexp_bench_pases",
        "tenencias",
        "/api/v1/expedientes/{}/pases",
        "SELECT * FROM pases WHERE expediente_id = $1 ORDER BY enviado_en",
    ),
    "archivos": (
        "sigexp_bench_archivos",
        "custodias",
        "/api/v1/expedientes/{}/archivos",
        "SELECT * FROM archivos a JOIN archivo_versiones v ON v.archivo_id = a.id "
        "WHERE a.expediente_id = $1 AND a.eliminado_en IS NULL ORDER BY a.creado_en",
    ),
}


async def _muestra(dsn: str, tabla: str, servicio: str) -> tuple[Any, Any, list[str]]:
    """The desk holding the most expedientes (with archivos, for archivos), its organismo and
    50 of the expedientes it holds."""
    conn = await asyncpg.connect(dsn)
    try:
        con_filas = "archivos" if servicio == "archivos" else "pases"
        mesa = await conn.fetchval(
            f"SELECT t.mesa_id FROM {tabla} t WHERE EXISTS (SELECT 1 FROM {con_filas} x "
            "WHERE x.expediente_id = t.expediente_id) GROUP BY t.mesa_id "
            "ORDER BY count(*) DESC LIMIT 1"
        )
        organismo = None
        if servicio == "pases":  # archivos keeps no catalogue of desks
            organismo = await conn.fetchval("SELECT organismo_id FROM mesas WHERE id = $1", mesa)
        ids = await conn.fetch(
            f"SELECT t.expediente_id FROM {tabla} t WHERE t.mesa_id = $1 AND NOT t.en_transito "
            f"AND EXISTS (SELECT 1 FROM {con_filas} x WHERE x.expediente_id = t.expediente_id) "
            "LIMIT 50",
            mesa,
        )
        return mesa, organismo, [str(r[0]) for r in ids]
    finally:
        await conn.close()


async def sql(dsn: str, sentencia: str, ids: list[str], segundos: float, n: int) -> dict[str, Any]:
    tiempos: list[float] = []
    fin = time.monotonic() + segundos

    async def cliente(k: int) -> None:
        conn = await asyncpg.connect(dsn)
        try:
            i = k
            while time.monotonic() < fin:
                inicio = time.perf_counter()
                await conn.fetch(sentencia, ids[i % len(ids)])
                tiempos.append((time.perf_counter() - inicio) * 1000)
                i += n
        finally:
            await conn.close()

    await asyncio.gather(*(cliente(k) for k in range(n)))
    tiempos.sort()
    return {
        "por_segundo": len(tiempos) / segundos,
        "p99_ms": tiempos[min(len(tiempos) - 1, int(len(tiempos) * 0.99))] if tiempos else None,
    }


def _servicio(
    stack: ExitStack, nombre: str, env_extra: dict[str, str], puerto: int
) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **env_extra}
    argv = [sys.executable, "-m", nombre, "serve", "--port", str(puerto)]
    proceso = subprocess.Popen(  # from the root: no bench module hides the service
        argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )

    def parar() -> None:
        proceso.terminate()
        try:
            proceso.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proceso.kill()

    stack.callback(parar)
    wait_until_ready(f"http://127.0.0.1:{puerto}", proceso, timeout=180)
    return proceso


def medir(args: argparse.Namespace) -> list[dict[str, Any]]:
    wrk = carga.asegurar_wrk()
    filas: list[dict[str, Any]] = []
    with ExitStack() as stack:
        infra = local_infra(stack)
        tokens = TokenFactory()
        jwks = stack.enter_context(jwks_server(tokens))
        s3 = start_nanio(stack)
        for servicio, (base, tabla, ruta, sentencia) in CASOS.items():
            dsn = BASE + base
            mesa, organismo, ids = asyncio.run(_muestra(dsn, tabla, servicio))
            prefijo = servicio.upper() + "_"
            env = {
                prefijo + "DATABASE_URL": dsn.replace("postgresql://", "postgresql+asyncpg://"),
                prefijo + "AMQP_URL": infra.amqp_vhost(f"escala-{servicio}"),
                prefijo + "JWKS_URL": jwks,
                prefijo + "LOG_LEVEL": "WARNING",
                prefijo + "WORKERS": "1",
                "ARCHIVOS_S3_ENDPOINT": s3.endpoint,
                "ARCHIVOS_S3_ACCESS_KEY": s3.access_key,
                "ARCHIVOS_S3_SECRET_KEY": s3.secret_key,
                "ARCHIVOS_S3_BUCKET": "sigexp-bench-escala",
            }
            puerto = free_port()
            _servicio(stack, servicio, env, puerto)
            token = tokens.token("MESA_ENTRADA", mesa_id=mesa, organismo_id=organismo, ttl=3600)
            pedido = carga.Pedido(
                f"http://127.0.0.1:{puerto}",
                [ruta.format(i) for i in ids],
                encabezados={"Authorization": f"Bearer {token}"},
            )
            carga.correr(wrk, pedido, args.calentamiento, args.conexiones)
            http = carga.correr(wrk, pedido, args.segundos, args.conexiones)
            directo = asyncio.run(sql(dsn, sentencia, ids, args.segundos, args.conexiones))
            escala = "3M pases" if servicio == "pases" else "100k archivos"
            otros = {s: n for s, n in http.estados.items() if not s.startswith("2")}
            filas.append(
                resumen.fila(
                    f"escala_{servicio}",
                    f"{ruta.format('{id}')} a {escala}, {args.conexiones} clientes"
                    + (f" (no 2xx: {otros})" if otros else ""),
                    http.por_segundo,
                    "pedidos/s",
                    base=directo["por_segundo"],
                    base_etiqueta=f"el mismo SELECT asyncpg (p99 {directo['p99_ms']:.1f} ms)",
                    p99_ms=http.p99_ms,
                    pasa=False if otros or not http.exitosas else None,
                )
            )
    return filas


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--segundos", type=float, default=10.0)
    parser.add_argument("--calentamiento", type=float, default=2.0)
    parser.add_argument("--conexiones", type=int, default=8)
    parser.add_argument("--salida", type=Path)
    args = parser.parse_args()
    filas = medir(args)
    print(resumen.markdown(filas))
    print(f"carga media: {os.getloadavg()}  ({os.cpu_count()} núcleos)")
    if args.salida:
        resumen.escribir(args.salida, "escala.py", filas)


if __name__ == "__main__":
    main()
