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
FRONTERA = "bench-transferencias"
UMBRAL = 0.60
TECHO_RSS_MB = 150
TROZO = os.urandom(MIB)


def _lanzar(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as salida:
        return subprocess.Popen(
            [sys.executable, "-m", *args], env=env, cwd=ROOT, stdout=salida, stderr=salida
        )


async def _expediente(amqp_url: str, mesa: uuid.UUID) -> uuid.UUID:
    """An expediente archivos hears of by the bus, held by `mesa`."""
    ident = uuid7()
    datos_custodia = {
        "expediente_id": str(ident),
        "mesa_id": str(mesa),
        "permiso": "ESCRITURA",
        "en_transito": False,
        "mesas": [str(mesa)],
        "desde": utcnow().isoformat(),
    }
    broker = Broker(amqp_url)
    await broker.connect()
    try:
        for tipo, datos in (
            ("sigexp.expediente.iniciado.v1", {"expediente_id": str(ident), "caracter": "PUBLICO"}),
            ("sigexp.custodia.actualizada.v1", datos_custodia),
        ):
            evento = Envelope(
                source="/sigexp/bench", type=tipo, subject=str(ident), sequence=1, data=datos
            )
            await broker.publish(evento.to_bytes(), evento.type, message_id=str(evento.id))
    finally:
        await broker.close()
    return ident


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


def _cpu_s(pid: int) -> float:
    campos = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(campos[11]) + int(campos[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> float:
    for linea in Path(f"/proc/{pid}/status").read_text().splitlines():
        if linea.startswith("VmRSS:"):
            return int(linea.split()[1]) / 1024
    return 0.0


class Pico(threading.Thread):
    """The highest RSS of `pid` while it runs (every 20 ms)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.mb, self.parar = pid, 0.0, threading.Event()

    def run(self) -> None:
        while not self.parar.is_set():
            self.mb = max(self.mb, _rss_mb(self.pid))
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
        infra = local_infra(stack)
        s3 = start_nanio(stack)
        tokens = TokenFactory()
        jwks = stack.enter_context(jwks_server(tokens))
        logs = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sigexp-bench-tr-")))
        amqp = infra.amqp_vhost("bench-transferencias")
        puerto, puerto_gw, ops_gw = free_port(), free_port(), free_port()
        env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "ARCHIVOS_DATABASE_URL": infra.database_url("bench_transferencias"),
            "ARCHIVOS_AMQP_URL": amqp,
            "ARCHIVOS_JWKS_URL": jwks,
            "ARCHIVOS_WORKERS": "1",
            "ARCHIVOS_LOG_LEVEL": "WARNING",
            "ARCHIVOS_S3_ENDPOINT": s3.endpoint,
            "ARCHIVOS_S3_ACCESS_KEY": s3.access_key,
            "ARCHIVOS_S3_SECRET_KEY": s3.secret_key,
            "ARCHIVOS_S3_BUCKET": "sigexp-bench",
            "ARCHIVOS_MAX_UPLOAD_MB": str(opciones.mb + 10),
            "ARCHIVOS_DESCARGA": "stream",
            "GATEWAY_ARCHIVOS_URL": f"http://127.0.0.1:{puerto}",
            "GATEWAY_JWKS_URL": jwks,
            "GATEWAY_AMQP_URL": amqp,
            "GATEWAY_OPS_PORT": str(ops_gw),
            "GATEWAY_LOG_LEVEL": "WARNING",
            "GATEWAY_USER_RATE_PER_SECOND": "0",
            "GATEWAY_ADDRESS_RATE_PER_SECOND": "0",
        }
        archivos = _lanzar(["archivos", "serve", "--port", str(puerto)], env, logs / "a.log")
        stack.callback(archivos.wait, 15)
        stack.callback(archivos.terminate)
        gateway = _lanzar(["gateway", "serve", "--port", str(puerto_gw)], env, logs / "g.log")
        stack.callback(gateway.wait, 15)
        stack.callback(gateway.terminate)
        directo, por_gateway = f"http://127.0.0.1:{puerto}", f"http://127.0.0.1:{puerto_gw}"
        wait_until_ready(directo, archivos, timeout=180)
        wait_until_writable(directo)
        wait_until_ready(f"http://127.0.0.1:{ops_gw}", gateway, timeout=180)
        wait_until_writable(f"http://127.0.0.1:{ops_gw}")
        mesa = uuid.uuid4()
        token = tokens.token("CARGA", mesa_id=mesa, usuario="bench")
        expediente = asyncio.run(_expediente(amqp, mesa))
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
            antes = _cpu_s(gateway.pid)
            tiempos["subida por gateway"] += _subir(por_gateway, token, expediente, "b.pdf", 20)[1]
            cpu_gateway += _cpu_s(gateway.pid) - antes
        with Pico(gateway.pid) as pico_subida:
            grande, subida_s = _subir(por_gateway, token, expediente, "grande.pdf", opciones.mb)
        bajadas = {"directo": 0.0, "gateway": 0.0}
        bytes_bajados = 0
        with Pico(gateway.pid) as pico_bajada:
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
