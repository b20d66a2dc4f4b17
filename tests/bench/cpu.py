"""CPU time of the processes a scenario costs, read from /proc while it runs.

Every process is put in one group: a SIGEXP service (the process the harness started and all
its children, so uvicorn workers or a separate relay count), `postgres` (the backends of this
run's databases), `postgres-comun` (PostgreSQL's own background processes: WAL writer,
checkpointer... shared with anyone else on the machine), `rabbitmq` (the broker's Erlang VM,
shared too) or a ceiling (`techo`). A sampler thread reads utime+stime every 200 ms, so a
backend that exits during the run still counts with its last reading.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
COMPARTIDOS = ("postgres-comun", "rabbitmq")  # also used by others: their idle cost is subtracted
PG_AUXILIARES = (
    "checkpointer",
    "background writer",
    "walwriter",
    "autovacuum launcher",
    "logical replication launcher",
    "stats collector",
    "archiver",
)


def _stat(pid: int) -> tuple[int, float] | None:
    """(ppid, utime+stime in seconds) of a process, None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    fields = raw[raw.rindex(")") + 2 :].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


def _cmdline(pid: int) -> str:
    try:
        return (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except OSError:
        return ""


def escuchando(puerto: int) -> int | None:
    """The process that listens on a local TCP port (from /proc/net/tcp*), if it can be seen."""
    inodos = set()
    for tabla in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lineas = Path(tabla).read_text().splitlines()[1:]
        except OSError:
            continue
        for linea in lineas:
            campos = linea.split()
            if campos[3] == "0A" and int(campos[1].rsplit(":", 1)[1], 16) == puerto:
                inodos.add(f"socket:[{campos[9]}]")
    for pid in _pids():
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") in inodos:
                    return pid
            except OSError:
                continue
    return None


def _pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


Clasificador = Callable[[int, str, dict[int, int]], str | None]


@dataclass
class Grupos:
    """Which group a process belongs to: roots started by the harness (and their descendants),
    PostgreSQL backends whose title names one of `bases`, PostgreSQL's and RabbitMQ's own."""

    raices: dict[int, str] = field(default_factory=dict)
    bases: tuple[str, ...] = ()
    rabbitmq: int | None = None  # the broker's process (others may run brokers of their own)

    def __call__(self, pid: int, cmdline: str, padres: dict[int, int]) -> str | None:
        actual: int | None = pid
        for _ in range(64):  # walk up to a root the harness started
            if actual is None or actual <= 1:
                break
            if actual in self.raices:
                return self.raices[actual]
            actual = padres.get(actual)
        if cmdline.startswith("postgres:"):
            # "postgres: 15/main: walwriter", "postgres: 15/main: postgres DB 127.0.0.1(..) idle"
            titulo = cmdline[len("postgres:") :]
            if any(aux in titulo for aux in PG_AUXILIARES):
                return "postgres-comun"
            if not self.bases or any(base in titulo.split() for base in self.bases):
                return "postgres"
            return None
        if pid == self.rabbitmq:
            return "rabbitmq"
        return None


class Medidor:
    """CPU seconds per group between `empezar()` and `terminar()`."""

    def __init__(self, grupos: Clasificador, intervalo: float = 0.2) -> None:
        self._grupos = grupos
        self._intervalo = intervalo
        self._inicio: dict[int, float] = {}
        self._ultimo: dict[int, tuple[str, float]] = {}
        self._alto = threading.Event()
        self._hilo: threading.Thread | None = None

    def _leer(self) -> dict[int, tuple[str, float]]:
        stats = {pid: s for pid in _pids() if (s := _stat(pid)) is not None}
        padres = {pid: s[0] for pid, s in stats.items()}
        leidos: dict[int, tuple[str, float]] = {}
        for pid, (_, segundos) in stats.items():
            grupo = self._grupos(pid, _cmdline(pid), padres)
            if grupo is not None:
                leidos[pid] = (grupo, segundos)
        return leidos

    def _muestrear(self) -> None:
        while not self._alto.wait(self._intervalo):
            self._ultimo.update(self._leer())

    def empezar(self) -> None:
        self._ultimo = self._leer()
        self._inicio = {pid: segundos for pid, (_, segundos) in self._ultimo.items()}
        self._alto.clear()
        self._hilo = threading.Thread(target=self._muestrear, name="cpu", daemon=True)
        self._hilo.start()

    def terminar(self) -> dict[str, float]:
        self._alto.set()
        if self._hilo is not None:
            self._hilo.join()
        self._ultimo.update(self._leer())
        total: dict[str, float] = {}
        for pid, (grupo, segundos) in self._ultimo.items():
            total[grupo] = total.get(grupo, 0.0) + segundos - self._inicio.get(pid, 0.0)
        return total


def medir_reposo(
    grupos: Clasificador, segundos: float, compartidos: Iterable[str]
) -> dict[str, float]:
    """CPU seconds per second of the shared groups while nothing of the run is loaded: what
    others on the machine make them spend, subtracted from a scenario's figure."""
    medidor = Medidor(grupos)
    medidor.empezar()
    time.sleep(segundos)
    gastado = medidor.terminar()
    return {grupo: gastado.get(grupo, 0.0) / segundos for grupo in compartidos}


def esperar_calma(grupos: Clasificador, umbral: float, maximo: float) -> float:
    """Wait until the run's processes use less than `umbral` cores (the audit records of the
    last requests have been relayed and chained); returns the seconds waited."""
    inicio = time.monotonic()
    while time.monotonic() - inicio < maximo:
        medidor = Medidor(grupos)
        medidor.empezar()
        time.sleep(0.5)
        gastado = medidor.terminar()
        propio = sum(v for k, v in gastado.items() if k not in COMPARTIDOS)
        if propio / 0.5 < umbral:
            break
    return time.monotonic() - inicio
