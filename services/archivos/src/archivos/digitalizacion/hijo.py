"""One job's digitisation in a child process (`python -m archivos.procesamiento`): the worker's
event loop only reads its reports, a crash or a runaway file takes down the child alone, a
bounded address space and time keep one file from taking the machine, and the child dies with
its worker."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import resource
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from archivos.procesamiento import ArchivoIlegible
from archivos.procesamiento.__main__ import MINIATURA, TEXTO
from archivos.settings import Settings

Avance = Callable[[int, int], Awaitable[None]]  # (pages done, pages)


class ProcesoFallido(RuntimeError):
    """The child did not finish (crashed, ran out of memory or time): worth another try."""


@dataclass(frozen=True)
class Digitalizado:
    paginas: int
    texto: str
    miniatura: bytes


PR_SET_PDEATHSIG = 1  # prctl(2): the signal the child gets when its parent dies


def _preparar_hijo(megabytes: int) -> Callable[[], None]:
    def preparar() -> None:  # runs in the child, before it executes Python
        limite = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limite, limite))
        # A worker killed (kill -9, the OOM killer) takes its job's child with it: the job
        # goes to another worker, nobody waits for this one's pages.
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)

    return preparar


async def digitalizar(
    entrada: Path, carpeta: Path, settings: Settings, al_avanzar: Avance
) -> Digitalizado:
    """Digitise `entrada`, writing the results in `carpeta`; `al_avanzar` hears every page.
    Raises `ArchivoIlegible` for content that cannot be read, `ProcesoFallido` otherwise."""
    proceso = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "archivos.procesamiento",
        str(entrada),
        str(carpeta),
        "--dpi",
        str(settings.ocr_dpi),
        "--idioma",
        settings.ocr_idioma,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        preexec_fn=_preparar_hijo(settings.digitalizacion_memoria_mb),
    )
    assert proceso.stdout is not None
    assert proceso.stderr is not None
    errores = asyncio.create_task(proceso.stderr.read())
    final: dict[str, object] | None = None
    try:
        async with asyncio.timeout(settings.digitalizacion_timeout_seconds):
            async for linea in proceso.stdout:
                informe = json.loads(linea)
                if "resultado" in informe:
                    final = informe
                else:
                    await al_avanzar(int(informe["hechas"]), int(informe["total"]))
            codigo = await proceso.wait()
    except TimeoutError as exc:
        raise ProcesoFallido(
            f"la digitalización superó {settings.digitalizacion_timeout_seconds:.0f} s"
        ) from exc
    finally:
        if proceso.returncode is None:  # timed out, or the job was cancelled
            with contextlib.suppress(ProcessLookupError):
                proceso.kill()
            await proceso.wait()
        salida_de_error = (await errores).decode("utf-8", "replace").strip()
    if final is None or codigo != 0:
        ultima = salida_de_error.splitlines()[-1] if salida_de_error else "sin mensaje"
        raise ProcesoFallido(f"el proceso de digitalización terminó con {codigo}: {ultima}")
    if final["resultado"] == "ILEGIBLE":
        raise ArchivoIlegible(str(final["motivo"]))
    return Digitalizado(
        paginas=int(str(final["paginas"])),
        texto=(carpeta / TEXTO).read_text(encoding="utf-8"),
        miniatura=(carpeta / MINIATURA).read_bytes(),
    )
