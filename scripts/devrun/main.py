"""Entry point of `scripts/dev.py` (`make up`): arguments, signals, exit code."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from .config import SERVICES, WORKERS, ConfigError, load_config
from .console import Console
from .reaper import die_with_parent
from .runner import run


async def _main(check: bool) -> int:
    console = Console([*SERVICES, *(f"{name}-worker" for name in WORKERS), "s3"])
    try:
        config = load_config()
    except ConfigError as exc:
        console.error(str(exc))
        return 1
    task = asyncio.current_task()
    assert task is not None
    interrupted = False

    def on_signal() -> None:
        nonlocal interrupted
        if interrupted:
            console.info("already stopping; please wait")
            return
        interrupted = True
        console.info("stop requested")
        task.cancel()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)
    try:
        return await run(config, console, check)
    except asyncio.CancelledError:
        if interrupted:
            console.info("stopped")
            return 0
        raise


def main() -> None:
    parser = argparse.ArgumentParser(description="make up: run SIGEXP on this machine")
    parser.add_argument(
        "--check", action="store_true", help="start, wait until ready, print, stop, exit 0"
    )
    args = parser.parse_args()
    die_with_parent()  # `make` killed: SIGTERM stops this runner and its children cleanly
    sys.exit(asyncio.run(_main(args.check)))
