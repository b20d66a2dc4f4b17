"""What the gateway costs: `GET /api/v1/auth/me` through it and direct at auth, interleaved.

    python services/gateway/bench/me_por_gateway.py [--segundos 15] [--conexiones 16]
        [--rondas 2] [--otro DIR]

Starts auth (own database, relay off) and a gateway in front of it, logs in, then runs wrk
(`apt-get install wrk`) against each target in turn, round after round, so that the other load
on the machine touches every target alike. `--otro DIR` adds a second gateway whose package is
imported from DIR (e.g. the previous version, from `git archive`): before and after in one run.

Per target: requests/s, latency p50/p99, the ratio to direct in the same round, and CPU time
per request of the gateway, of auth and of the PostgreSQL backends of auth's database (from
/proc, so other engineers' load does not count). Everything it starts is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx

from sigexp_testing.infra import free_port, wait_until_ready

ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "Bench-Sigexp-Clave-2026"
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process (fields 14 and 15 of /proc/<pid>/stat)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


async def _sql(dsn: str, sentencia: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetch(sentencia)
    finally:
        await conn.close()


def backends(admin: str, base: str) -> list[int]:
    filas = asyncio.run(_sql(admin, f"SELECT pid FROM pg_stat_activity WHERE datname = '{base}'"))
    return [int(f["pid"]) for f in filas]


@dataclass
class Medida:
    objetivo: str
    ronda: int
    rps: float
    p50_ms: float
    p99_ms: float
    errores: int
    cpu_ms: dict[str, float]  # CPU ms per request, by process group


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(
    url: str, script: Path, segundos: float, conexiones: int
) -> tuple[float, float, float, int]:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{conexiones}", f"-d{segundos:g}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    errores = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return rps, p50, p99, int(errores.group(1)) if errores else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--segundos", type=float, default=15.0)
    parser.add_argument("--conexiones", type=int, default=16)
    parser.add_argument("--rondas", type=int, default=2)
    parser.add_argument("--otro", type=Path, help="a gateway package's parent folder to compare")
    parser.add_argument("--py-spy", type=Path, help="py-spy binary: profile each gateway")
    parser.add_argument("--perfiles", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args()
    admin = os.environ.get("SIGEXP_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
    base = f"bench_gw_{uuid.uuid4().hex[:8]}"
    asyncio.run(_sql(admin, f'CREATE DATABASE "{base}"'))
    ports = {"auth": free_port(), "gateway": free_port(), "otro": free_port()}
    auth_url = f"http://127.0.0.1:{ports['auth']}"
    env = {
        **os.environ,
        "AUTH_DATABASE_URL": admin.rsplit("/", 1)[0].replace(
            "postgresql://", "postgresql+asyncpg://"
        )
        + f"/{base}",
        "AUTH_RUN_RELAY": "false",
        "SIGEXP_ADMIN_USUARIO": "admin",
        "SIGEXP_ADMIN_PASSWORD": PASSWORD,
        "GATEWAY_AUTH_URL": auth_url,
        "GATEWAY_JWKS_URL": auth_url + "/.well-known/jwks.json",
    }
    # This tree's gateway answers health on its operations port; `--otro` (an older tree) may
    # still answer it on the public one, which is where it is waited for.
    sondas = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    ops = free_port()
    sondas["gateway"] = f"http://127.0.0.1:{ops}"
    lanzar = [("auth", "auth", env), ("gateway", "gateway", {**env, "GATEWAY_OPS_PORT": str(ops)})]
    if args.otro:
        pythonpath = os.pathsep.join(filter(None, [str(args.otro), env.get("PYTHONPATH")]))
        lanzar.append(("otro", "gateway", {**env, "PYTHONPATH": pythonpath}))
    procesos: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name, module, process_env in lanzar:
            procesos[name] = subprocess.Popen(
                [sys.executable, "-m", module, "serve", "--port", str(ports[name])],
                env=process_env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
            )
        for name in procesos:
            wait_until_ready(sondas[name], procesos[name], timeout=60)
        login = httpx.post(
            auth_url + "/api/v1/auth/login", json={"usuario": "admin", "password": PASSWORD}
        )
        login.raise_for_status()
        medidas = _medir(args, admin, base, ports, procesos, login.json()["access_token"])
    finally:
        for process in procesos.values():
            process.terminate()
        for process in procesos.values():
            process.wait(timeout=15)
        asyncio.run(_sql(admin, f'DROP DATABASE IF EXISTS "{base}" WITH (FORCE)'))
    _imprimir(medidas)


def _medir(
    args: argparse.Namespace,
    admin: str,
    base: str,
    ports: dict[str, int],
    procesos: dict[str, subprocess.Popen[bytes]],
    token: str,
) -> list[Medida]:
    objetivos = ["auth", "gateway", *(["otro"] if "otro" in procesos else [])]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f'wrk.headers["Authorization"] = "Bearer {token}"\n')
    lua = Path(script.name)
    for objetivo in objetivos:  # warm-up: pools filled, code paths loaded
        wrk(f"http://127.0.0.1:{ports[objetivo]}/api/v1/auth/me", lua, 2, args.conexiones)
    medidas = []
    for ronda in range(1, args.rondas + 1):
        for objetivo in objetivos:
            pids = {"auth": [procesos["auth"].pid]}
            if objetivo != "auth":
                pids["gateway"] = [procesos[objetivo].pid]
            antes = {k: sum(cpu_seconds(p) for p in v) for k, v in pids.items()}
            pg_antes = {p: cpu_seconds(p) for p in backends(admin, base)}
            url = f"http://127.0.0.1:{ports[objetivo]}/api/v1/auth/me"
            rps, p50, p99, errores = wrk(url, lua, args.segundos, args.conexiones)
            pedidos = rps * args.segundos
            cpu = {
                k: (sum(cpu_seconds(p) for p in v) - antes[k]) * 1000 / pedidos
                for k, v in pids.items()
            }
            # A backend that ended meanwhile counts nothing; one that started counts whole.
            pg_despues = {p: cpu_seconds(p) for p in {*pg_antes, *backends(admin, base)}}
            pg = sum(max(0.0, v - pg_antes.get(p, 0.0)) for p, v in pg_despues.items() if v)
            cpu["postgres"] = pg * 1000 / pedidos
            medidas.append(Medida(objetivo, ronda, rps, p50, p99, errores, cpu))
            print(f"ronda {ronda} {objetivo:8} {rps:8.0f} rps", file=sys.stderr, flush=True)
    if args.py_spy is not None:  # after the figures: sampling costs the sampled process
        for objetivo in objetivos[1:]:
            perfil = _perfilar(args, objetivo, procesos)
            wrk(f"http://127.0.0.1:{ports[objetivo]}/api/v1/auth/me", lua, 10, args.conexiones)
            perfil.wait()
    lua.unlink()
    return medidas


def _perfilar(
    args: argparse.Namespace, objetivo: str, procesos: dict[str, subprocess.Popen[bytes]]
) -> subprocess.Popen[bytes]:
    """py-spy on a gateway under 10 s of the same load: `<perfiles>/<objetivo>.txt`."""
    salida = args.perfiles / f"{objetivo}.txt"
    return subprocess.Popen(
        [str(args.py_spy), "record", "-r", "200", "-f", "raw", "-o", str(salida), "-d", "10",
         "-p", str(procesos[objetivo].pid)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _imprimir(medidas: list[Medida]) -> None:
    print(
        "ronda objetivo     rps  razón  p50 ms  p99 ms  errores  "
        "CPU ms/pedido: gateway   auth  postgres"
    )
    directo: dict[int, float] = {}
    for m in medidas:
        if m.objetivo == "auth":
            directo[m.ronda] = m.rps
        razon = m.rps / directo[m.ronda]
        gateway = m.cpu_ms.get("gateway")
        print(
            f"{m.ronda:5} {m.objetivo:8} {m.rps:7.0f} {razon:6.2f} {m.p50_ms:7.1f} {m.p99_ms:7.1f}"
            f" {m.errores:8}  {'' if gateway is None else f'{gateway:21.2f}':>21}"
            f" {m.cpu_ms['auth']:6.2f} {m.cpu_ms['postgres']:9.2f}"
        )


if __name__ == "__main__":
    main()
