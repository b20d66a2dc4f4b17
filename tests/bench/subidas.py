"""Uploads of archivos (issue 12): throughput of 20 MB files through the service and through
the gateway against a direct `minio` put to the same nanio in the same run (the service must
reach 60% of it), and the service's memory while a 500 MB file goes up (its RSS must stay
under 150 MB): `make bench-archivos` (BENCH_ARGS: --archivos N, --mb M, --grande-mb G).

Started here on free ports over the local PostgreSQL and RabbitMQ: nanio, a JWKS/revocations
stand-in for auth, `python -m archivos serve` and `python -m gateway serve` as processes of
their own (one worker each). The expediente the files go to is made known to archivos by real
events on the bus. Figures are of this machine under its current load: say `uptime`.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import resumen
from escena_archivos import arrancar, cpu_s, rss_kb
from minio import Minio

MIB = 1024 * 1024
FRONTERA = "bench-archivos"
UMBRAL_RATIO = 0.60
TECHO_RSS_MB = 150


def _contenido(mb: int, semilla: int) -> bytes:
    """A PDF-looking file of `mb` MiB (random bytes after the magic: nothing compresses)."""
    cuerpo = bytearray(b"%PDF-1.4\n")
    cuerpo += os.urandom(mb * MIB - len(cuerpo) - 6) + b"%%EOF\n"
    cuerpo[9:13] = semilla.to_bytes(4, "big")
    return bytes(cuerpo)


def _cabeza(nombre: str) -> bytes:
    return (
        f'--{FRONTERA}\r\nContent-Disposition: form-data; name="archivo"; filename="{nombre}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()


COLA = f"\r\n--{FRONTERA}--\r\n".encode()


@dataclass
class Entorno:
    archivos: str
    gateway: str | None
    pid_archivos: int
    token: str
    expediente_id: uuid.UUID
    # One client per side for the whole run, as a browser, the gateway or an application
    # keeps theirs: a new httpx client per upload costs the bench ~20 ms of CPU (its TLS
    # context) and a connection, which would be charged to the service.
    http: httpx.Client
    minio: Minio


def _subir(base: str, entorno: Entorno, cuerpo: bytes | Iterator[bytes], largo: int) -> float:
    """Seconds one upload took (201 required)."""
    headers = {
        "Authorization": f"Bearer {entorno.token}",
        "Content-Type": f"multipart/form-data; boundary={FRONTERA}",
        "Content-Length": str(largo),
    }
    url = f"{base}/api/v1/expedientes/{entorno.expediente_id}/archivos"
    empezo = time.perf_counter()
    r = entorno.http.post(url, content=cuerpo, headers=headers)
    tardo = time.perf_counter() - empezo
    if r.status_code != 201:
        raise RuntimeError(f"{url}: {r.status_code} {r.text[:300]}")
    return tardo


def _esperar_expediente(entorno: Entorno, base: str) -> None:
    """Until the service behind `base` knows the expediente (409 meanwhile); the upload that
    succeeds also opens the connection the measured ones reuse."""
    cuerpo = _cabeza("prueba.pdf") + b"%PDF-1.4\n%%EOF\n" + COLA
    limite = time.monotonic() + 60
    while True:
        try:
            _subir(base, entorno, cuerpo, len(cuerpo))
            return
        except RuntimeError:
            if time.monotonic() > limite:
                raise
            time.sleep(0.3)


def _directo(entorno: Entorno, archivos: list[bytes]) -> float:
    cliente = entorno.minio
    empezo = time.perf_counter()
    for i, datos in enumerate(archivos):
        cliente.put_object("bench-directo", f"directo/{i}", io.BytesIO(datos), len(datos))
    return time.perf_counter() - empezo


def _por(base: str, entorno: Entorno, archivos: list[bytes]) -> float:
    total = 0.0
    for i, datos in enumerate(archivos):
        cuerpo = _cabeza(f"bench-{i}.pdf") + datos + COLA
        total += _subir(base, entorno, cuerpo, len(cuerpo))
    return total


def _memoria(entorno: Entorno, mb: int) -> tuple[int, int, float]:
    """(RSS before, peak RSS while `mb` MiB go up, seconds), RSS in KiB, sampled every 20 ms.
    The client streams the file from a generator: it never exists whole anywhere."""
    antes = rss_kb(entorno.pid_archivos)
    pico = antes
    parar = threading.Event()

    def muestrear() -> None:
        nonlocal pico
        while not parar.is_set():
            pico = max(pico, rss_kb(entorno.pid_archivos))
            time.sleep(0.02)

    trozo = os.urandom(MIB)

    def generar() -> Iterator[bytes]:
        yield _cabeza("grande.pdf") + b"%PDF-1.4\n"
        for _ in range(mb):
            yield trozo
        yield COLA

    largo = len(_cabeza("grande.pdf")) + 9 + mb * MIB + len(COLA)
    hilo = threading.Thread(target=muestrear)
    hilo.start()
    try:
        tardo = _subir(entorno.archivos, entorno, generar(), largo)
    finally:
        parar.set()
        hilo.join()
    return antes, pico, tardo


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archivos", type=int, default=5, help="files of each kind")
    parser.add_argument("--mb", type=int, default=20, help="size of each file")
    parser.add_argument("--grande-mb", type=int, default=500, help="the memory test's file")
    parser.add_argument("--sin-gateway", action="store_true")
    parser.add_argument("--salida", type=Path, help="the figures as rows (resumen.py) here too")
    opciones = parser.parse_args()
    with ExitStack() as stack:
        escena = arrancar(
            stack, "bench-archivos", opciones.grande_mb + 10, not opciones.sin_gateway
        )
        base, gateway_url = escena.archivos, escena.gateway
        minio = Minio(escena.s3.endpoint, escena.s3.access_key, escena.s3.secret_key, secure=False)
        minio.make_bucket("bench-directo")
        entorno = Entorno(
            base,
            gateway_url,
            escena.pid_archivos,
            escena.token,
            escena.expediente_id,
            stack.enter_context(httpx.Client(timeout=600)),
            minio,
        )
        for camino in (base, gateway_url):
            if camino:
                _esperar_expediente(entorno, camino)
        archivos = [_contenido(opciones.mb, i) for i in range(opciones.archivos)]
        total_mb = opciones.mb * opciones.archivos
        # Interleaved rounds: the load of this shared machine weighs on each path alike.
        tiempos = {"directo": 0.0, "servicio": 0.0, "gateway": 0.0}
        cpu_servicio = 0.0
        for archivo in archivos:
            tiempos["directo"] += _directo(entorno, [archivo])
            cpu_antes = cpu_s(escena.pid_archivos)
            tiempos["servicio"] += _por(base, entorno, [archivo])
            cpu_servicio += cpu_s(escena.pid_archivos) - cpu_antes
            if gateway_url:
                tiempos["gateway"] += _por(gateway_url, entorno, [archivo])
        antes, pico, tardo = _memoria(entorno, opciones.grande_mb)
        carga = os.getloadavg()
    directo = total_mb / tiempos["directo"]
    print(
        f"carga (1, 5, 15 min): {carga[0]:.2f} {carga[1]:.2f} {carga[2]:.2f}; "
        f"núcleos: {os.cpu_count()}"
    )
    print(f"{opciones.archivos} archivos de {opciones.mb} MB, intercalados:")
    print(f"  minio directo a nanio: {directo:7.1f} MB/s")
    ok = True
    for camino in ("servicio", "gateway"):
        if tiempos[camino] == 0:
            continue
        velocidad = total_mb / tiempos[camino]
        ratio = velocidad / directo
        ok = ok and ratio >= UMBRAL_RATIO
        print(f"  por el {camino:8}:      {velocidad:7.1f} MB/s  = {ratio:.0%} del directo")
    print(f"  CPU del servicio: {cpu_servicio / total_mb * 1000:.1f} ms por MB subido")
    pico_mb = pico / 1024
    print(
        f"memoria: {opciones.grande_mb} MB subidos en {tardo:.1f} s; RSS del servicio "
        f"{antes / 1024:.0f} MB antes, pico {pico_mb:.0f} MB (techo {TECHO_RSS_MB} MB)"
    )
    ok = ok and pico_mb < TECHO_RSS_MB
    print("OK" if ok else "POR DEBAJO DE LO PEDIDO")
    if opciones.salida:
        filas = _filas(opciones, total_mb, tiempos, directo, cpu_servicio, pico_mb)
        resumen.escribir(opciones.salida, "subidas.py", filas)
    return 0 if ok else 1


def _filas(
    opciones: argparse.Namespace,
    total_mb: float,
    tiempos: dict[str, float],
    directo: float,
    cpu_servicio: float,
    pico_mb: float,
) -> list[dict[str, Any]]:
    put = f"put minio directo ({opciones.mb} MB)"
    filas = [resumen.fila("archivos_put_directo", put, directo, "MB/s")]
    for camino in ("servicio", "gateway"):
        if tiempos[camino]:
            filas.append(
                resumen.fila(
                    f"archivos_subida_{camino}",
                    f"subida de {opciones.mb} MB por el {camino}",
                    total_mb / tiempos[camino],
                    "MB/s",
                    base=directo,
                    base_etiqueta=put,
                    objetivo=f">= {UMBRAL_RATIO:.0%} del put directo",
                    meta=(">=", UMBRAL_RATIO),
                    sobre_ratio=True,
                )
            )
    filas.append(
        resumen.fila(
            "archivos_cpu_por_mb",
            "CPU de archivos por MB subido",
            cpu_servicio / total_mb * 1000,
            "ms/MB",
        )
    )
    filas.append(
        resumen.fila(
            "archivos_rss_pico",
            f"RSS pico de archivos subiendo {opciones.grande_mb} MB",
            pico_mb,
            "MB",
            objetivo=f"< {TECHO_RSS_MB} MB",
            meta=("<", TECHO_RSS_MB),
        )
    )
    return filas


if __name__ == "__main__":
    sys.exit(main())
