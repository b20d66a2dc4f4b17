"""One `make up` per data folder: a second start says so in one line, not on busy ports."""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import IO

LOCK_NAME = "make-up.pid"


class AlreadyRunning(Exception):
    def __init__(self, pid: str, data_dir: Path) -> None:
        shown = f"pid {pid}" if pid else "another process"
        super().__init__(
            f"make up is already running ({shown}, data in {data_dir}): use that one, "
            f"or stop it first (Ctrl-C in its terminal{f', or kill {pid}' if pid else ''})"
        )


def hold(data_dir: Path) -> IO[str]:
    """Take the folder's lock for as long as the returned file stays open (the kernel drops it
    when the process ends, even after a kill -9, so a stale file never blocks a start)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = (data_dir / LOCK_NAME).open("a+", encoding="utf-8")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.seek(0)
        pid = lock.read().strip()
        lock.close()
        raise AlreadyRunning(pid, data_dir) from None
    lock.seek(0)
    lock.truncate()
    lock.write(f"{os.getpid()}\n")
    lock.flush()
    return lock


def release(lock: IO[str]) -> None:
    with contextlib.suppress(OSError):
        lock.close()
