"""How many password verifications (the cost of a login) per second this machine does.

Run: `.venv/bin/python services/auth/bench/argon2_logins.py [--segundos 3]`.
Verifications run in threads (argon2-cffi releases the GIL, as the service does with
`asyncio.to_thread`), with 1 worker and with one worker per core.
"""

from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import ThreadPoolExecutor

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

PARAMETROS = [
    ("elegidos (OWASP m=19MiB t=2 p=1)", 2, 19456, 1),
    ("m=12MiB t=3 p=1", 3, 12288, 1),
    ("m=32MiB t=2 p=1", 2, 32768, 1),
    ("argon2-cffi por defecto (m=64MiB t=3 p=4)", 3, 65536, 4),
]


def medir(t: int, m: int, p: int, hilos: int, segundos: float) -> float:
    hasher = PasswordHash((Argon2Hasher(time_cost=t, memory_cost=m, parallelism=p),))
    hash_ = hasher.hash("Tornillo-Azul-Maizal-47")

    def trabajo(_: int) -> int:
        n, fin = 0, time.perf_counter() + segundos
        while time.perf_counter() < fin:
            hasher.verify("Tornillo-Azul-Maizal-47", hash_)
            n += 1
        return n

    inicio = time.perf_counter()
    with ThreadPoolExecutor(hilos) as pool:
        total = sum(pool.map(trabajo, range(hilos)))
    return total / (time.perf_counter() - inicio)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--segundos", type=float, default=3.0)
    args = parser.parse_args()
    nucleos = os.cpu_count() or 1
    print(f"núcleos: {nucleos}")
    print(f"{'parámetros':45} {'1 hilo/s':>10} {f'{nucleos} hilos/s':>12} {'ms/verif.':>10}")
    for nombre, t, m, p in PARAMETROS:
        uno = medir(t, m, p, 1, args.segundos)
        todos = medir(t, m, p, nucleos, args.segundos)
        print(f"{nombre:45} {uno:10.1f} {todos:12.1f} {1000 / uno:10.1f}")


if __name__ == "__main__":
    main()
