"""The progress line of a bench run: one line rewritten in place on a terminal, one line per
phase otherwise, and the seconds each phase took (for the JSON)."""

from __future__ import annotations

import sys
import time


class Progreso:
    """One line that says where the run is: rewritten in place on a terminal."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.paso = ""
        self.inicio = time.monotonic()
        self.fases: dict[str, float] = {}  # seconds each phase took, for the JSON
        self._desde = self.inicio

    def fase(self, texto: str) -> None:
        ahora = time.monotonic()
        if self.paso:
            self.fases[self.paso] = round(ahora - self._desde, 1)
        self.paso, self._desde = texto, ahora
        self._escribir(f"[{ahora - self.inicio:5.1f} s] {texto}", final=not self.tty)

    def carga(self, pasados: float, total: float) -> None:
        if self.tty:
            self._escribir(f"{self.paso}: {pasados:4.1f}/{total:.0f} s", final=False)

    def _escribir(self, texto: str, final: bool) -> None:
        if self.tty:
            sys.stderr.write("\r\033[K" + texto)
        else:
            sys.stderr.write(texto + "\n")
        if final and self.tty:
            sys.stderr.write("\n")
        sys.stderr.flush()

    def fin(self) -> None:
        self.fases[self.paso] = round(time.monotonic() - self._desde, 1)
        if self.tty:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
