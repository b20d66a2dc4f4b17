"""CPU per request of one route, by process, at low concurrency (what each process spends per
alta or per read, apart from how fast a shared machine lets it go), with the processes' idle
cost measured first and subtracted:

    python tests/bench/costo.py [--altas N] [--lecturas N] [--perfil DIR]

Starts the system as `make bench` does; with --perfil, py-spy samples every process meanwhile.
Measures the alta and the detail direct at expedientes, then the composed detail through the
gateway (`detalle_compuesto`: expedientes, pases and archivos and their audit).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit

import cpu
import httpx
import perfil
import sistema as sistema_
from bench import USUARIO, _token

from sigexp_testing.infra import local_infra

ALTA = {"extracto": "Alta para medir su costo", "tomos": 1, "fojas": 3}


async def _altas(url: str, token: str, n: int, concurrencia: int) -> list[str]:
    ids: list[str] = []
    pendientes = iter(range(n))

    async def cliente(c: httpx.AsyncClient) -> None:
        for _ in pendientes:
            r = await c.post("/api/v1/expedientes", json=ALTA)
            while r.status_code == 409 and "retry-after" in r.headers:
                await asyncio.sleep(1)
                r = await c.post("/api/v1/expedientes", json=ALTA)
            r.raise_for_status()
            ids.append(r.json()["id"])

    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as c:
        await asyncio.gather(*(cliente(c) for _ in range(concurrencia)))
    return ids


async def _lecturas(url: str, token: str, ids: list[str], n: int, concurrencia: int) -> None:
    pendientes = iter(range(n))

    async def cliente(c: httpx.AsyncClient) -> None:
        for i in pendientes:
            (await c.get(f"/api/v1/expedientes/{ids[i % len(ids)]}")).raise_for_status()

    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as c:
        await asyncio.gather(*(cliente(c) for _ in range(concurrencia)))


def _medir(
    grupos: cpu.Grupos,
    reposo: dict[str, float],
    hacer,
    n: int,
    nombre: str,
    perfilador: perfil.Perfilador | None,
) -> None:
    medidor = cpu.Medidor(grupos)
    inicio = time.monotonic()
    medidor.empezar()
    if perfilador is not None:
        perfilador.empezar(nombre, 8)
    hacer()
    cpu.esperar_calma(grupos, 0.05, 15)
    gastado = medidor.terminar()
    if perfilador is not None:
        perfilador.terminar(nombre)
    segundos = time.monotonic() - inicio
    netos = {g: (v - reposo.get(g, 0.0) * segundos) * 1000 / n for g, v in gastado.items()}
    total = sum(v for v in netos.values() if v > 0)
    partes = ", ".join(f"{g} {v:.2f}" for g, v in sorted(netos.items(), key=lambda x: -x[1]))
    print(f"{nombre}: {n} en {segundos:.1f} s; CPU ms por pedido {total:.2f}: {partes}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--altas", type=int, default=200)
    parser.add_argument("--lecturas", type=int, default=1000)
    parser.add_argument("--concurrencia", type=int, default=4)
    parser.add_argument("--perfil", type=Path)
    args = parser.parse_args()
    with ExitStack() as stack:
        infra = local_infra(stack)
        sis = sistema_.arrancar(stack, infra)
        broker = cpu.escuchando(urlsplit(infra.amqp_url).port or 5672)
        grupos = cpu.Grupos(dict(sis.raices), (*sis.bases, *infra.databases), rabbitmq=broker)
        token = asyncio.run(_token(sis.url("gateway"), USUARIO))
        ids = asyncio.run(_altas(sis.url("expedientes"), token, 20, 1))  # warm
        cpu.esperar_calma(grupos, 0.05, 30)
        medidor = cpu.Medidor(grupos)
        medidor.empezar()
        time.sleep(5)
        reposo = {g: v / 5 for g, v in medidor.terminar().items()}
        print(
            "reposo (CPU ms por segundo): "
            + ", ".join(f"{g} {v * 1000:.1f}" for g, v in sorted(reposo.items()))
        )
        ejecutable = perfil.py_spy()
        perfilador = (
            perfil.Perfilador(args.perfil, dict(sis.raices), ejecutable)
            if args.perfil and ejecutable
            else None
        )
        url = sis.url("expedientes")
        _medir(
            grupos,
            reposo,
            lambda: ids.extend(asyncio.run(_altas(url, token, args.altas, args.concurrencia))),
            args.altas,
            "alta",
            perfilador,
        )
        _medir(
            grupos,
            reposo,
            lambda: asyncio.run(_lecturas(url, token, ids, args.lecturas, args.concurrencia)),
            args.lecturas,
            "detalle",
            perfilador,
        )
        gateway = sis.url("gateway")  # the composed detail (issue 14), every service it asks
        _medir(
            grupos,
            reposo,
            lambda: asyncio.run(_lecturas(gateway, token, ids, args.lecturas, args.concurrencia)),
            args.lecturas,
            "detalle_compuesto",
            perfilador,
        )


if __name__ == "__main__":
    main()
