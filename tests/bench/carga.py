"""Load with wrk at a fixed number of connections, only to 127.0.0.1, bounded in time.

Each scenario is a Lua script written for it (the paths to ask, the token, the body of a
POST); its `done` prints one `BENCH_JSON` line with the counts, latency percentiles and the
status codes every thread saw, which is all the harness reads from wrk.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ProgresoFn = Callable[[float, float], None]  # (seconds gone, seconds planned)

LUA_COMUN = r"""
counts = {}
response = function(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

local hilos = {}
setup = function(thread) table.insert(hilos, thread) end

done = function(summary, latency, requests)
  local estados = {}
  for _, thread in ipairs(hilos) do
    for status, n in pairs(thread:get("counts")) do
      estados[tostring(status)] = (estados[tostring(status)] or 0) + n
    end
  end
  local partes = {}
  for status, n in pairs(estados) do table.insert(partes, '"' .. status .. '":' .. n) end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"estados":{%s}}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    table.concat(partes, ",")))
end
"""


class WrkFalta(RuntimeError):
    """wrk is not installed and could not be installed."""


def asegurar_wrk(avisar: bool = True) -> str:
    """The path of wrk, installing Debian's package when it is missing (as root)."""
    encontrado = shutil.which("wrk")
    if encontrado:
        return encontrado
    if os.geteuid() != 0:
        raise WrkFalta("falta wrk: instálelo con `sudo apt-get install -y wrk`")
    if avisar:
        print("instalando wrk (apt-get install -y wrk)...", flush=True)
    hecho = subprocess.run(
        ["apt-get", "install", "-y", "wrk"], capture_output=True, text=True, timeout=300
    )
    encontrado = shutil.which("wrk")
    if hecho.returncode != 0 or not encontrado:
        raise WrkFalta("no se pudo instalar wrk:\n" + hecho.stderr[-2000:])
    return encontrado


@dataclass
class Pedido:
    """What every request of a scenario is: a method, the paths to pick from, headers, body."""

    base: str  # http://127.0.0.1:PORT
    rutas: list[str]
    metodo: str = "GET"
    encabezados: dict[str, str] = field(default_factory=dict)
    cuerpo: str | None = None

    def lua(self) -> str:
        lineas = [f"wrk.method = {_lua(self.metodo)}"]
        for nombre, valor in self.encabezados.items():
            lineas.append(f"wrk.headers[{_lua(nombre)}] = {_lua(valor)}")
        if self.cuerpo is not None:
            lineas.append(f"wrk.body = {_lua(self.cuerpo)}")
        lineas.append("local rutas = {" + ",".join(_lua(r) for r in self.rutas) + "}")
        lineas.append("request = function()")
        lineas.append("  return wrk.format(nil, rutas[math.random(#rutas)])")
        lineas.append("end")
        return "\n".join(lineas) + "\n" + LUA_COMUN


def _lua(texto: str) -> str:
    return json.dumps(texto)  # a JSON string is a valid Lua string literal for these texts


@dataclass
class Resultado:
    requests: int
    segundos: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    estados: dict[str, int]
    errores_socket: int

    @property
    def exitosas(self) -> int:
        return sum(n for s, n in self.estados.items() if s.startswith("2"))

    @property
    def por_segundo(self) -> float:
        return self.exitosas / self.segundos if self.segundos else 0.0


def _local(base: str) -> None:
    host = urlsplit(base).hostname
    if host not in ("127.0.0.1", "localhost"):
        raise ValueError(f"la carga va solo a 127.0.0.1, no a {host}")


def correr(
    wrk: str,
    pedido: Pedido,
    segundos: float,
    conexiones: int,
    hilos: int = 1,
    progreso: ProgresoFn | None = None,
) -> Resultado:
    """One wrk run of `segundos` (bounded: wrk is killed 30 s past its time)."""
    _local(pedido.base)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(pedido.lua())
    fin = threading.Event()
    hilo = None
    if progreso is not None:
        hilo = threading.Thread(target=_avisar, args=(progreso, segundos, fin), daemon=True)
        hilo.start()
    try:
        opciones = [f"-t{hilos}", f"-c{conexiones}", f"-d{max(1, round(segundos))}s"]
        hecho = subprocess.run(
            [wrk, *opciones, "--timeout", "10s", "-s", script.name, pedido.base + pedido.rutas[0]],
            capture_output=True,
            text=True,
            timeout=segundos + 30,
        )
    finally:
        fin.set()
        if hilo is not None:
            hilo.join()
        Path(script.name).unlink(missing_ok=True)
    linea = next((x for x in hecho.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if linea is None:
        raise RuntimeError(f"wrk no informó ({hecho.returncode}):\n{hecho.stdout}\n{hecho.stderr}")
    datos = json.loads(linea.removeprefix("BENCH_JSON "))
    return Resultado(
        requests=int(datos["requests"]),
        segundos=datos["duration_us"] / 1e6,
        p50_ms=datos["p50_us"] / 1000,
        p90_ms=datos["p90_us"] / 1000,
        p99_ms=datos["p99_us"] / 1000,
        max_ms=datos["max_us"] / 1000,
        estados={str(k): int(v) for k, v in datos["estados"].items()},
        errores_socket=sum(int(datos[k]) for k in ("connect", "read", "write", "timeout")),
    )


def _avisar(progreso: ProgresoFn, segundos: float, fin: threading.Event) -> None:
    inicio = time.monotonic()
    while not fin.wait(0.5):
        progreso(time.monotonic() - inicio, segundos)
