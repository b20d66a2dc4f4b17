"""Successful logins per second through a running auth service (HTTP, end to end).

Run against a started service, e.g.:
  AUTH_RUN_RELAY=false .venv/bin/python -m auth serve --port 8101 &
  .venv/bin/python services/auth/bench/logins_http.py --url http://127.0.0.1:8101 \
      --usuario admin --password "$SIGEXP_ADMIN_PASSWORD" --concurrencia 4 --segundos 10
Each request sets its own X-Forwarded-For so the per-address limit does not interfere.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import httpx


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8001")
    parser.add_argument("--usuario", default="admin")
    parser.add_argument("--password", default="dev-insecure-Admin-2026")
    parser.add_argument("--concurrencia", type=int, default=4)
    parser.add_argument("--segundos", type=float, default=10.0)
    args = parser.parse_args()
    latencias: list[float] = []
    errores = 0
    fin = time.perf_counter() + args.segundos

    async def trabajador(n: int, client: httpx.AsyncClient) -> None:
        nonlocal errores
        i = 0
        while time.perf_counter() < fin:
            i += 1
            inicio = time.perf_counter()
            r = await client.post(
                "/api/v1/auth/login",
                json={"usuario": args.usuario, "password": args.password},
                headers={"X-Forwarded-For": f"10.99.{n}.{i % 250 + 1}"},
            )
            latencias.append(time.perf_counter() - inicio)
            errores += r.status_code != 200

    inicio = time.perf_counter()
    async with httpx.AsyncClient(base_url=args.url, timeout=30) as client:
        await asyncio.gather(*(trabajador(n, client) for n in range(args.concurrencia)))
    total = time.perf_counter() - inicio
    print(
        f"{len(latencias) / total:.1f} logins/s con concurrencia {args.concurrencia}; "
        f"latencia mediana {statistics.median(latencias) * 1000:.0f} ms, "
        f"p95 {sorted(latencias)[int(len(latencias) * 0.95)] * 1000:.0f} ms; errores {errores}"
    )


if __name__ == "__main__":
    asyncio.run(main())
