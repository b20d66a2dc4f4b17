"""glibc's allocator told to give memory back: an upload's parts are a few MiB each, and by
default glibc raises its mmap threshold after the first one is freed, so later parts come from
the heap and the process keeps their pages after they are gone. A fixed threshold keeps every
large buffer in mmap (returned to the system as soon as it is freed), and a trim after start-up
returns what the migrations and imports left free. Elsewhere (not glibc) this does nothing."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger("archivos.memoria")

M_MMAP_THRESHOLD = -3  # mallopt's parameter (malloc.h); setting it disables the dynamic one
UMBRAL = 256 * 1024


def _libc() -> ctypes.CDLL | None:
    nombre = ctypes.util.find_library("c")
    if nombre is None:
        return None
    try:
        libc = ctypes.CDLL(nombre)
    except OSError:
        return None
    if not hasattr(libc, "mallopt") or not hasattr(libc, "malloc_trim"):
        return None
    return libc


def devolver_memoria() -> None:
    libc = _libc()
    if libc is None:
        return
    if not libc.mallopt(M_MMAP_THRESHOLD, UMBRAL):
        log.warning("mallopt(M_MMAP_THRESHOLD) refused")
    libc.malloc_trim(0)
