"""What stops `make up`'s children when the runner itself is killed, even with SIGKILL.

The runner starts this as a small process of its own session (a Ctrl-C at the terminal does not
reach it) and tells it, on a pipe, the process group of every child it starts (`+<pgid>`) and of
every child that exited (`-<pgid>`). The pipe closes when the runner ends, however it ends: on a
clean stop the groups are already gone and the reaper just exits; after a kill -9 it sends
SIGTERM to every group still alive, then SIGKILL to whatever is left after a grace period. A
group takes the child's own children with it (uvicorn, OCR subprocesses, ...).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from typing import IO

GRACE_SECONDS = 5.0
_PR_SET_PDEATHSIG = 1


class Reaper:
    """The runner's side: starts the reaper and reports the groups to it."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, __file__],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
            text=True,
        )
        assert self._process.stdin is not None
        self._pipe: IO[str] = self._process.stdin

    def watch(self, pgid: int) -> None:
        self._send(f"+{pgid}")

    def forget(self, pgid: int) -> None:
        self._send(f"-{pgid}")

    def close(self) -> None:
        """Normal end: every child was stopped; the reaper exits without touching anything."""
        with contextlib.suppress(OSError):
            self._pipe.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=GRACE_SECONDS + 2)

    def _send(self, line: str) -> None:
        with contextlib.suppress(OSError):
            self._pipe.write(line + "\n")
            self._pipe.flush()


def die_with_parent(sig: signal.Signals = signal.SIGTERM) -> None:
    """Ask Linux to send `sig` to this process when its parent dies (e.g. `make` is killed)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)


def _alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _signal(pgids: set[int], sig: signal.Signals) -> None:
    for pgid in pgids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, sig)


def _reap(groups: set[int]) -> None:
    left = {pgid for pgid in groups if _alive(pgid)}
    if not left:
        return
    print(
        f"make up terminó sin detener {len(left)} procesos: se detienen ahora",
        file=sys.stderr,
        flush=True,
    )
    _signal(left, signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = {pgid for pgid in left if _alive(pgid)}
    _signal(left, signal.SIGKILL)


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the runner handles Ctrl-C; we wait for EOF
    groups: set[int] = set()
    for line in sys.stdin:
        sign, number = line[:1], line[1:].strip()
        if not number.isdigit():
            continue
        if sign == "+":
            groups.add(int(number))
        elif sign == "-":
            groups.discard(int(number))
    _reap(groups)


if __name__ == "__main__":
    main()
