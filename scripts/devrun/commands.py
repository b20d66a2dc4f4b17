"""One-shot service commands (`python -m <service> migrate|demo`) and their migrations' heads.

What a service offers (its commands) is in `sigexp_testing.workspace`."""

from __future__ import annotations

import asyncio
import importlib.util
import signal
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from .reaper import die_with_parent


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.code == 0

    def tail(self, lines: int = 25) -> list[str]:
        return (self.stdout + "\n" + self.stderr).strip().splitlines()[-lines:]


def package_dir(service: str) -> Path | None:
    spec = importlib.util.find_spec(service)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


async def run_command(
    service: str, command: str, env: Mapping[str, str], timeout: float = 300.0
) -> Outcome:
    """Run `python -m <service> <command>` to completion (killed if cancelled or too slow)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        service,
        command,
        env=dict(env),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        process_group=0,
        preexec_fn=lambda: die_with_parent(signal.SIGKILL),  # the runner killed: so is this
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        return Outcome(124, "", f"`python -m {service} {command}` took more than {timeout:.0f}s")
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    code = process.returncode or 0
    return Outcome(code, out.decode(errors="replace"), err.decode(errors="replace"))


async def migrations_at_head(service: str, database_url: str) -> bool:
    """True when the database already has every migration of the service (nothing to run).

    Any doubt (no version table, unreadable scripts) answers False: the caller then migrates.
    """
    try:
        heads = await asyncio.to_thread(_script_heads, service)
        dsn = database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
        conn = await asyncpg.connect(dsn, timeout=10)
        try:
            rows = await conn.fetch("SELECT version_num FROM alembic_version")
        finally:
            await conn.close()
    except Exception:
        return False
    return bool(heads) and heads == {row["version_num"] for row in rows}


def _script_heads(service: str) -> set[str]:
    from alembic.script import ScriptDirectory

    from sigexp_common.migrations import alembic_config

    folder = package_dir(service)
    if folder is None:
        return set()
    return set(ScriptDirectory.from_config(alembic_config(folder / "migrations")).get_heads())
