"""`make bench BENCH_ARGS="--perfil DIR"`: where each process spends the time of a scenario.

While a scenario's load runs, one `py-spy record` per SIGEXP process (its children too: the
workers of `serve`) samples it without pausing it (`--nonblocking`), in raw collapsed form
(`DIR/<scenario>/<process>.txt`). Afterwards `resumen` reads them back: the frames where the
samples ended (self time) and the frames they went through (inclusive time), in % of the
process's samples, written to `DIR/<scenario>/resumen.txt`, the text a note can paste.

    python tests/bench/perfil.py DIR/<scenario>     summarises a folder again

py-spy is the dev group's (`.venv/bin/py-spy`); its own CPU is not counted by the bench (it is
not a child of a measured process).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

TASA = 67  # samples per second: enough for a 5 s scenario, light on a shared 2-core box
PRIMEROS = 25
# `frame (file.py:line)` in py-spy's raw format; the line number is dropped to group by function.
_FRAME = re.compile(r"^(?P<funcion>.*) \((?P<archivo>[^()]*?)(?::\d+)?\)$")
_RUTA = re.compile(r".*/(site-packages|src|lib/python3\.\d+)/")


def py_spy() -> str | None:
    junto = Path(sys.executable).with_name("py-spy")
    return str(junto) if junto.exists() else shutil.which("py-spy")


@dataclass
class Perfilador:
    carpeta: Path
    raices: dict[int, str]  # pid → process name (a ceiling's "techo" is left out)
    ejecutable: str
    _grabando: list[tuple[subprocess.Popen[bytes], Path]] = field(default_factory=list)

    def empezar(self, escenario: str, segundos: float) -> None:
        destino = self.carpeta / escenario
        destino.mkdir(parents=True, exist_ok=True)
        for pid, nombre in sorted(self.raices.items()):
            salida = destino / f"{nombre}.txt"
            argv = [self.ejecutable, "record", "--pid", str(pid), "--rate", str(TASA)]
            argv += ["--duration", str(max(1, round(segundos))), "--format", "raw"]
            argv += ["--nonblocking", "--subprocesses", "--output", str(salida)]
            proceso = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            self._grabando.append((proceso, salida))

    def terminar(self, escenario: str) -> Path:
        for proceso, salida in self._grabando:
            try:
                _, errores = proceso.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                proceso.kill()
                _, errores = proceso.communicate()
            if proceso.returncode != 0 and not salida.exists():
                salida.with_suffix(".error").write_bytes(errores[-2000:])
        self._grabando.clear()
        carpeta = self.carpeta / escenario
        resumen = carpeta / "resumen.txt"
        resumen.write_text(resumir(carpeta))
        return resumen


def _funcion(frame: str) -> str:
    hallado = _FRAME.match(frame.strip())
    if hallado is None:
        return frame.strip()
    archivo = _RUTA.sub("", hallado["archivo"])
    return f"{hallado['funcion']} ({archivo})"


def _muestras(archivo: Path) -> tuple[int, Counter[str], Counter[str]]:
    """(samples, self samples per function, inclusive samples per function) of one process:
    idle samples (py-spy leaves out threads waiting in the OS unless --idle) are not there."""
    total, propio, incluido = 0, Counter[str](), Counter[str]()
    for linea in archivo.read_text(errors="replace").splitlines():
        pila, _, cuantas = linea.rpartition(" ")
        if not pila or not cuantas.isdigit():
            continue
        n = int(cuantas)
        frames = [_funcion(f) for f in pila.split(";") if f and not f.startswith("process ")]
        frames = [f for f in frames if not f.startswith("thread ")]
        if not frames:
            continue
        total += n
        propio[frames[-1]] += n
        for funcion in set(frames):
            incluido[funcion] += n
    return total, propio, incluido


def resumir(carpeta: Path, primeros: int = PRIMEROS) -> str:
    partes = []
    for archivo in sorted(carpeta.glob("*.txt")):
        if archivo.name == "resumen.txt":
            continue
        total, propio, incluido = _muestras(archivo)
        if not total:
            continue
        partes.append(f"== {archivo.stem}: {total} muestras ({total / TASA:.1f} s de CPU)")
        partes.append("  propio (donde estaba la muestra):")
        partes += [f"    {n * 100 / total:5.1f}%  {f}" for f, n in propio.most_common(primeros)]
        partes.append("  incluido (por donde pasaba):")
        partes += [
            f"    {n * 100 / total:5.1f}%  {f}" for f, n in incluido.most_common(primeros * 2)
        ]
    return "\n".join(partes) + "\n"


if __name__ == "__main__":
    print(resumir(Path(sys.argv[1])))
