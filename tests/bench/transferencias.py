"""Files through the gateway (issue 14, and issue 12's "through the gateway"):

- a `--mb` (300) MB download of an archivo through the gateway against the same download
  straight from archivos, interleaved rounds in the same run (target: ≥ 60% of direct);
- `--archivos` (3) uploads of 20 MB through the gateway against a direct `minio` put to the
  same nanio (target: ≥ 60%);
- the gateway's peak RSS while the big file goes up and comes down (target: < 150 MB).

    python tests/bench/transferencias.py [--mb 300] [--rondas 2] [--archivos 3]

Started here on free ports over the local PostgreSQL and RabbitMQ: nanio, a JWKS stand-in for
auth, `python -m archivos serve` and `python -m gateway serve`, one process each; the
expediente is made known to archivos by real events on the bus. The figures are of this
machine under its current load (printed).
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
from pathlib import Path
from typing import Any

import httpx
import resumen
from escena_archivos import arrancar, cpu_s, rss_kb
from minio import Minio

from sigexp_testing.infra import S3Server

MIB = 1024 * 1024
FRONTERA = "bench-transferencias"
UMBRAL = 0.60
TECHO_RSS_MB = 150
TROZO = os.urandom(MIB)


def _multipart(nombre: str, mb: int) -> tuple[Iterator[bytes], int]:
    cabeza = (
        f'--{FRONTERA}\r\nContent-Disposition: form-data; name="archivo"; filename="{nombre}"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
    ).encode()
    cola = f"\r\n--{FRONTERA}--\r\n".encode()

    def partes() -> Iterator[bytes]:
        yield cabeza
        for _ in range(mb):
            yield TROZO
        yield cola

    return partes(), len(cabeza) + mb * MIB + len(cola)


def _subir(base: str, token: str, expediente: uuid.UUID, nombre: str, mb: int) -> tuple[str, float]:
    """(archivo id, seconds) of one upload; 201 required."""
    cuerpo, largo = _multipart(nombre, mb)
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": f"multipart/form-data; boundary={FRONTERA}",
        "Content-Length": str(largo),
    }
    empezo = time.perf_counter()
    r = httpx.post(
        f"{base}/api/v1/expedientes/{expediente}/archivos",
        content=cuerpo,
        headers=headers,
        timeout=900,
    )
    tardo = time.perf_counter() - empezo
    if r.status_code != 201:
        raise RuntimeError(f"subida por {base}: {r.status_code} {r.text[:300]}")
    return str(r.json()["id"]), tardo


def _bajar(base: str, token: str, archivo_id: str) -> tuple[int, float]:
    """(bytes, seconds) of one download, read and dropped as it comes."""
    headers = {"Authorization": f"Bearer {token}"}
    empezo = time.perf_counter()
    total = 0
    url = f"{base}/api/v1/archivos/{archivo_id}/contenido"
    with httpx.stream("GET", url, headers=headers, timeout=900) as r:
        if r.status_code != 200:
            raise RuntimeError(f"descarga por {base}: {r.status_code} {r.read()[:300]!r}")
        for chunk in r.iter_raw(MIB):
            total += len(chunk)
    return total, time.perf_counter() - empezo


class Pico(threading.Thread):
    """The highest RSS of `pid` while it runs (every 20 ms)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.mb, self.parar = pid, 0.0, threading.Event()

    def run(self) -> None:
        while not self.parar.is_set():
            self.mb = max(self.mb, rss_kb(self.pid) / 1024)
            time.sleep(0.02)

    def __enter__(self) -> Pico:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.parar.set()
        self.join()


def _put_directo(s3: S3Server, mb: int, n: int) -> float:
    cliente = Minio(s3.endpoint, s3.access_key, s3.secret_key, secure=False)
    if not cliente.bucket_exists("bench-directo"):
        cliente.make_bucket("bench-directo")
    datos = b"%PDF-1.4\n" + TROZO * mb
    empezo = time.perf_counter()
    cliente.put_object("bench-directo", f"directo/{n}", io.BytesIO(datos), len(datos))
    return time.perf_counter() - empezo


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=300, help="the big file (download, memory)")
    parser.add_argument("--rondas", type=int, default=2, help="downloads of each kind")
    parser.add_argument("--archivos", type=int, default=3, help="20 MB uploads of each kind")
    parser.add_argument("--salida", type=Path, help="the figures as rows (resumen.py) here too")
    opciones = parser.parse_args()
    with ExitStack() as stack:
        escena = arrancar(
            stack, "bench-transferencias", opciones.mb + 10, extra={"ARCHIVOS_DESCARGA": "stream"}
        )
        assert escena.gateway is not None
        assert escena.pid_gateway is not None
        directo, por_gateway, s3 = escena.archivos, escena.gateway, escena.s3
        token, expediente = escena.token, escena.expediente_id
        limite = time.monotonic() + 60
        while True:  # until archivos heard of the expediente (409 meanwhile)
            try:
                _subir(directo, token, expediente, "prueba.pdf", 1)
                break
            except RuntimeError:
                if time.monotonic() > limite:
                    raise
                time.sleep(0.3)

        tiempos = {"put directo": 0.0, "subida a archivos": 0.0, "subida por gateway": 0.0}
        cpu_gateway = 0.0
        for n in range(opciones.archivos):
            tiempos["put directo"] += _put_directo(s3, 20, n)
            tiempos["subida a archivos"] += _subir(directo, token, expediente, "a.pdf", 20)[1]
            antes = cpu_s(escena.pid_gateway)
            tiempos["subida por gateway"] += _subir(por_gateway, token, expediente, "b.pdf", 20)[1]
            cpu_gateway += cpu_s(escena.pid_gateway) - antes
        with Pico(escena.pid_gateway) as pico_subida:
            grande, subida_s = _subir(por_gateway, token, expediente, "grande.pdf", opciones.mb)
        bajadas = {"directo": 0.0, "gateway": 0.0}
        bytes_bajados = 0
        with Pico(escena.pid_gateway) as pico_bajada:
            for _ in range(opciones.rondas):
                bytes_bajados, segundos = _bajar(directo, token, grande)
                bajadas["directo"] += segundos
                bytes_bajados, segundos = _bajar(por_gateway, token, grande)
                bajadas["gateway"] += segundos
        carga = os.getloadavg()

    ok = True
    print(
        f"carga (1, 5, 15 min): {carga[0]:.2f} {carga[1]:.2f} {carga[2]:.2f}; "
        f"núcleos {os.cpu_count()}"
    )
    mb_bajados = bytes_bajados / MIB
    v_directo = mb_bajados * opciones.rondas / bajadas["directo"]
    v_gateway = mb_bajados * opciones.rondas / bajadas["gateway"]
    ratio = v_gateway / v_directo
    ok = ok and ratio >= UMBRAL
    print(f"descarga de {mb_bajados:.0f} MB, {opciones.rondas} rondas intercaladas:")
    print(f"  directo a archivos: {v_directo:7.1f} MB/s")
    print(f"  por el gateway:     {v_gateway:7.1f} MB/s = {ratio:.0%} del directo (≥ 60%)")
    subidos = 20 * opciones.archivos
    v_put = subidos / tiempos["put directo"]
    v_sub = subidos / tiempos["subida por gateway"]
    v_arch = subidos / tiempos["subida a archivos"]
    ok = ok and v_sub / v_put >= UMBRAL
    print(f"subida de {opciones.archivos} × 20 MB, intercaladas:")
    print(f"  put minio directo:  {v_put:7.1f} MB/s")
    print(f"  directo a archivos: {v_arch:7.1f} MB/s = {v_arch / v_put:.0%} del put")
    print(f"  por el gateway:     {v_sub:7.1f} MB/s = {v_sub / v_put:.0%} del put (≥ 60%), ")
    print(f"                      {v_sub / v_arch:.0%} de la subida directa a archivos")
    print(f"  CPU del gateway: {cpu_gateway * 1000 / subidos:.1f} ms por MB subido")
    pico = max(pico_subida.mb, pico_bajada.mb)
    ok = ok and pico < TECHO_RSS_MB
    print(
        f"memoria del gateway: pico {pico_subida.mb:.0f} MB subiendo {opciones.mb} MB "
        f"({subida_s:.1f} s), {pico_bajada.mb:.0f} MB bajando (techo {TECHO_RSS_MB} MB)"
    )
    print("OK" if ok else "POR DEBAJO DE LO PEDIDO")
    if opciones.salida:
        resumen.escribir(
            opciones.salida,
            "transferencias.py",
            _filas(opciones.mb, (v_directo, v_gateway), (v_put, v_arch, v_sub), pico),
        )
    return 0 if ok else 1


def _filas(
    mb: int,
    descarga: tuple[float, float],
    subida: tuple[float, float, float],
    pico: float,
) -> list[dict[str, Any]]:
    v_directo, v_gateway = descarga
    v_put, v_arch, v_sub = subida
    return [
        resumen.fila("gateway_descarga_directa", f"descarga de {mb} MB directo", v_directo, "MB/s"),
        resumen.fila(
            "gateway_descarga",
            f"descarga de {mb} MB por el gateway",
            v_gateway,
            "MB/s",
            base=v_directo,
            base_etiqueta="directo a archivos",
            objetivo=f">= {UMBRAL:.0%} del directo",
            meta=(">=", UMBRAL),
            sobre_ratio=True,
        ),
        resumen.fila("gateway_put_directo", "put minio directo de 20 MB", v_put, "MB/s"),
        resumen.fila(
            "gateway_subida_archivos",
            "subida de 20 MB directo a archivos",
            v_arch,
            "MB/s",
            base=v_put,
            base_etiqueta="put minio directo",
        ),
        resumen.fila(
            "gateway_subida",
            "subida de 20 MB por el gateway",
            v_sub,
            "MB/s",
            base=v_put,
            base_etiqueta="put minio directo",
            objetivo=f">= {UMBRAL:.0%} del put directo",
            meta=(">=", UMBRAL),
            sobre_ratio=True,
        ),
        resumen.fila(
            "gateway_rss_pico",
            f"RSS pico del gateway con {mb} MB",
            pico,
            "MB",
            objetivo=f"< {TECHO_RSS_MB} MB",
            meta=("<", TECHO_RSS_MB),
        ),
    ]


if __name__ == "__main__":
    sys.exit(main())
