"""A PostgreSQL cluster of the test's own, so a test may really stop and restart a database.

Made with the machine's PostgreSQL 15 binaries (`initdb`, `pg_ctl`) in a temporary folder, on
a free port, trust authentication, and removed at the end (about 2 s). It is for tests only:
fsync is off (a restart or a crash of the server keeps every commit: the operating system has
its WAL; only a crash of the machine would lose it). As root, the server runs as `postgres`
(PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from sigexp_testing.infra import free_port

BINARIES = Path(os.environ.get("SIGEXP_PG_BIN", "/usr/lib/postgresql/15/bin"))
SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "max_connections": "400",
    "shared_buffers": "64MB",
    # fsync off only: a commit's WAL is still written to the operating system before the
    # commit returns, so a server crash (`stop("immediate")`) loses nothing committed.
    # `synchronous_commit = off` would: the last commits, acknowledged, vanish on a restart.
    "fsync": "off",
}


@dataclass
class PrivatePostgres:
    folder: Path
    port: int

    @property
    def data(self) -> Path:
        return self.folder / "datos"

    @property
    def admin_dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _pg_ctl(self, *args: str) -> None:
        _run([str(BINARIES / "pg_ctl"), "-D", str(self.data), *args])

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder}"
        self._pg_ctl("start", "-w", "-t", "60", "-l", str(self.folder / "log"), "-o", options)

    def stop(self, mode: str = "fast") -> None:
        """`fast` ends every session and shuts down cleanly; `immediate` is a crash (the next
        start recovers from the WAL)."""
        self._pg_ctl("stop", "-w", "-t", "60", "-m", mode)


def _as_postgres() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _run(command: list[str]) -> None:
    done = subprocess.run([*_as_postgres(), *command], capture_output=True, timeout=120)
    if done.returncode != 0:
        output = (done.stdout + done.stderr).decode(errors="replace")[-2000:]
        raise RuntimeError(f"{Path(command[0]).name} exited {done.returncode}: {output}")


def start_private_postgres(stack: ExitStack) -> PrivatePostgres:
    if not (BINARIES / "initdb").exists():
        raise RuntimeError(f"no PostgreSQL binaries in {BINARIES}: set SIGEXP_PG_BIN")
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sigexp-pg-")))
    if os.geteuid() == 0:
        shutil.chown(folder, user="postgres")
    server = PrivatePostgres(folder=folder, port=free_port())
    _run(
        [
            str(BINARIES / "initdb"),
            "-D",
            str(server.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ]
    )
    with (server.data / "postgresql.conf").open("a") as conf:
        conf.writelines(f"{name} = '{value}'\n" for name, value in SETTINGS.items())
    server.start()
    stack.callback(_stop_quietly, server)
    return server


def _stop_quietly(server: PrivatePostgres) -> None:
    # already stopped: a test that stopped it and failed before starting it again
    with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
        server.stop("immediate")
