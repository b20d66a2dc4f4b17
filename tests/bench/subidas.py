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
import asyncio
import io
import os
import subprocess
import sys
import tempfile
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
from minio import Minio

from sigexp_common.broker import Broker
from sigexp_common.envelope import Envelope, utcnow
from sigexp_common.ids import uuid7
from sigexp_testing.infra import (
    S3Server,
    free_port,
    local_infra,
    start_nanio,
    wait_until_ready,
    wait_until_writable,
)
from sigexp_testing.tokens import TokenFactory, jwks_server

ROOT = Path(__file__).resolve().parents[2]
MIB = 1024 * 1024
FRONTERA = "bench-archivos"
UMBRAL_RATIO = 0.60
TECHO_RSS_MB = 150


def _lanzar(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as salida:
        return subprocess.Popen(
            [sys.executable, "-m", *args],
            env=env,
            cwd=ROOT,
            stdout=salida,
            stderr=subprocess.STDOUT,
        )


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
    s3: S3Server
    token: str
    expediente_id: uuid.UUID
    # One client per side for the whole run, as a browser, the gateway or an application
    # keeps theirs: a new httpx client per upload costs the bench ~20 ms of CPU (its TLS
    # context) and a connection, which would be charged to the service.
    http: httpx.Client
    minio: Minio


async def _expediente(amqp_url: str, mesa: uuid.UUID) -> uuid.UUID:
    ident = uuid7()
    broker = Broker(amqp_url)
    await broker.connect()
    try:
        eventos = [
            Envelope(
                source="/sigexp/bench",
                type="sigexp.expediente.iniciado.v1",
                subject=str(ident),
                sequence=1,
                data={"expediente_id": str(ident), "caracter": "PUBLICO"},
            ),
            Envelope(
                source="/sigexp/bench",
                type="sigexp.custodia.actualizada.v1",
                subject=str(ident),
                sequence=1,
                data={
                    "expediente_id": str(ident),
                    "mesa_id": str(mesa),
                    "permiso": "ESCRITURA",
                    "en_transito": False,
                    "mesas": [str(mesa)],
                    "desde": utcnow().isoformat(),
                },
            ),
        ]
        for evento in eventos:
            await broker.publish(evento.to_bytes(), evento.type, message_id=str(evento.id))
    finally:
        await broker.close()
    return ident


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


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) a process used so far."""
    campos = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(campos[11]) + int(campos[12])) / os.sysconf("SC_CLK_TCK")


def _rss_kb(pid: int) -> int:
    for linea in Path(f"/proc/{pid}/status").read_text().splitlines():
        if linea.startswith("VmRSS:"):
            return int(linea.split()[1])
    return 0


def _memoria(entorno: Entorno, mb: int) -> tuple[int, int, float]:
    """(RSS before, peak RSS while `mb` MiB go up, seconds), RSS in KiB, sampled every 20 ms.
    The client streams the file from a generator: it never exists whole anywhere."""
    antes = _rss_kb(entorno.pid_archivos)
    pico = antes
    parar = threading.Event()

    def muestrear() -> None:
        nonlocal pico
        while not parar.is_set():
            pico = max(pico, _rss_kb(entorno.pid_archivos))
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
        infra = local_infra(stack)
        s3 = start_nanio(stack)
        tokens = TokenFactory()
        jwks = stack.enter_context(jwks_server(tokens))
        logs = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sigexp-bench-arch-")))
        amqp = infra.amqp_vhost("bench-archivos")
        puerto, puerto_gw, ops_gw = free_port(), free_port(), free_port()
        env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "ARCHIVOS_DATABASE_URL": infra.database_url("bench_archivos"),
            "ARCHIVOS_AMQP_URL": amqp,
            "ARCHIVOS_JWKS_URL": jwks,
            "ARCHIVOS_WORKERS": "1",
            "ARCHIVOS_LOG_LEVEL": "WARNING",
            "ARCHIVOS_S3_ENDPOINT": s3.endpoint,
            "ARCHIVOS_S3_ACCESS_KEY": s3.access_key,
            "ARCHIVOS_S3_SECRET_KEY": s3.secret_key,
            "ARCHIVOS_S3_BUCKET": "sigexp-bench",
            "ARCHIVOS_MAX_UPLOAD_MB": str(opciones.grande_mb + 10),
            "GATEWAY_ARCHIVOS_URL": f"http://127.0.0.1:{puerto}",
            "GATEWAY_JWKS_URL": jwks,
            "GATEWAY_AMQP_URL": amqp,
            "GATEWAY_OPS_PORT": str(ops_gw),
            "GATEWAY_LOG_LEVEL": "WARNING",
        }
        # Migrated first, as Kubernetes' init container does, and served without migrating:
        # the API process's memory is then the one a pod has (compose migrates on start).
        subprocess.run([sys.executable, "-m", "archivos", "migrate"], env=env, cwd=ROOT, check=True)
        env["ARCHIVOS_MIGRATE_ON_START"] = "false"
        servicio = _lanzar(["archivos", "serve", "--port", str(puerto)], env, logs / "a.log")
        stack.callback(servicio.wait, 15)
        stack.callback(servicio.terminate)
        base = f"http://127.0.0.1:{puerto}"
        wait_until_ready(base, servicio, timeout=180)
        wait_until_writable(base)
        gateway_url = None
        if not opciones.sin_gateway:
            gw = _lanzar(["gateway", "serve", "--port", str(puerto_gw)], env, logs / "g.log")
            stack.callback(gw.wait, 15)
            stack.callback(gw.terminate)
            wait_until_ready(f"http://127.0.0.1:{ops_gw}", gw, timeout=180)
            wait_until_writable(f"http://127.0.0.1:{ops_gw}")
            gateway_url = f"http://127.0.0.1:{puerto_gw}"
        mesa = uuid.uuid4()
        minio = Minio(s3.endpoint, s3.access_key, s3.secret_key, secure=False)
        minio.make_bucket("bench-directo")
        entorno = Entorno(
            base,
            gateway_url,
            servicio.pid,
            s3,
            tokens.token("CARGA", mesa_id=mesa, usuario="bench"),
            asyncio.run(_expediente(amqp, mesa)),
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
            cpu_antes = _cpu(servicio.pid)
            tiempos["servicio"] += _por(base, entorno, [archivo])
            cpu_servicio += _cpu(servicio.pid) - cpu_antes
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
