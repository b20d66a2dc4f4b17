"""Heartbeat of a process without HTTP (relay, consumer, digitisation worker).

While its event loop runs, the process touches a file every `INTERVAL` seconds; `python -m
<service> latido <proceso>` exits 0 while that file is fresh and 1 when it is older than
`MAX_AGE` (a loop that hangs stops touching it). Compose's healthchecks and Kubernetes' liveness
probes of those containers run that command.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import tempfile
import time
from pathlib import Path

INTERVAL = 10.0
MAX_AGE = 60.0


def ruta(service: str, proceso: str) -> Path:
    return Path(tempfile.gettempdir()) / f"sigexp-latido-{service}-{proceso}"


async def latir(path: Path) -> None:
    """Touch `path` every `INTERVAL` seconds until cancelled."""
    while True:
        with contextlib.suppress(OSError):  # a full /tmp must not kill the process
            await asyncio.to_thread(path.touch)
        await asyncio.sleep(INTERVAL)


def reciente(path: Path, max_age: float = MAX_AGE) -> bool:
    try:
        return time.time() - path.stat().st_mtime <= max_age
    except OSError:
        return False


def comprobar(service: str, args: list[str]) -> None:
    """`latido relay|consume|worker`: exit 0 while that process's heartbeat is fresh."""
    if len(args) != 1:
        print(f"uso: python -m {service} latido relay|consume|worker", file=sys.stderr)
        raise SystemExit(2)
    path = ruta(service, args[0])
    if not reciente(path):
        print(f"{service} {args[0]}: sin latido en {MAX_AGE:.0f} s ({path})", file=sys.stderr)
        raise SystemExit(1)
