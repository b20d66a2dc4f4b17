"""One supervisor for every long-running process: prefixed logs, restarts with backoff, stop.

Each child runs in its own process group, so a Ctrl-C reaches only the runner, which then
stops the children itself: SIGTERM, then SIGKILL after a timeout. Every group is also told to
the reaper (reaper.py), which stops them if the runner is killed before it could.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import httpx

from .console import Console
from .reaper import Reaper

MAX_START_ATTEMPTS = 3  # a child that dies this many times before it is ready fails the start
STABLE_AFTER = 60.0  # seconds of uptime after which the restart backoff starts again at 1 s
MAX_BACKOFF = 30.0
_STREAM_LIMIT = 1 << 20


@dataclass(frozen=True)
class ChildSpec:
    name: str
    argv: Sequence[str]
    env: Mapping[str, str]
    ready_url: str | None = None  # None: ready once it has stayed up for a moment
    stop_last: bool = False  # infrastructure the services use (e.g. the S3 server)


class Child:
    def __init__(self, spec: ChildSpec, console: Console, reaper: Reaper) -> None:
        self.spec = spec
        self.console = console
        self.reaper = reaper
        self.process: asyncio.subprocess.Process | None = None
        self.tail: deque[str] = deque(maxlen=40)
        self.ready = False
        self.failed = False  # gave up: died MAX_START_ATTEMPTS times before being ready
        self.exits = 0
        self.started_at = 0.0
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"child-{self.name}")

    async def _run(self) -> None:
        backoff = 1.0
        while not self._stopping.is_set():
            code = await self._run_once()
            if self._stopping.is_set():
                return
            self.exits += 1
            self.tail.append(f"--- exited with code {code} ---")
            uptime = time.monotonic() - self.started_at
            if not self.ready and self.exits >= MAX_START_ATTEMPTS:
                self.failed = True
                self.console.error(f"{self.name} exited with code {code} {self.exits} times")
                return
            backoff = 1.0 if uptime >= STABLE_AFTER else backoff
            self.console.warn(
                f"{self.name} exited with code {code} after {uptime:.1f}s; "
                f"restarting in {backoff:.0f}s"
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)

    async def _run_once(self) -> int:
        self.started_at = time.monotonic()
        self.process = await asyncio.create_subprocess_exec(
            *self.spec.argv,
            env=dict(self.spec.env),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            process_group=0,
            limit=_STREAM_LIMIT,
        )
        self.reaper.watch(self.process.pid)
        assert self.process.stdout is not None
        async for raw in self.process.stdout:
            shown = self.console.child(self.name, raw.decode(errors="replace"))
            self.tail.extend(shown.splitlines())
        code = await self.process.wait()
        self.reaper.forget(self.process.pid)
        return code

    async def stop(self, timeout: float) -> None:
        self._stopping.set()
        process = self.process
        if process is not None and process.returncode is None:
            _signal_group(process.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), timeout)
            except TimeoutError:
                self.console.warn(f"{self.name} did not stop in {timeout:.0f}s: killing it")
                _signal_group(process.pid, signal.SIGKILL)
                await process.wait()
        if self._task is not None:
            await self._task


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


class Supervisor:
    def __init__(self, console: Console, stop_timeout: float, reaper: Reaper) -> None:
        self.console = console
        self.stop_timeout = stop_timeout
        self.reaper = reaper
        self.children: list[Child] = []

    def start(self, spec: ChildSpec) -> Child:
        child = Child(spec, self.console, self.reaper)
        self.children.append(child)
        child.start()
        return child

    async def stop_all(self) -> None:
        """Stop the services first, then the infrastructure they use (started earlier)."""
        running = [child for child in self.children if child.alive]
        if running:
            self.console.info("stopping " + ", ".join(child.name for child in running))
        for last in (False, True):
            group = [child for child in self.children if child.spec.stop_last is last]
            await asyncio.gather(*(child.stop(self.stop_timeout) for child in group))


class StartFailed(Exception):
    """The system did not come up; `child` (when known) is the process to blame."""

    def __init__(self, message: str, child: Child | None = None) -> None:
        super().__init__(message)
        self.child = child


async def wait_ready(children: Sequence[Child], timeout: float, console: Console) -> None:
    """Until every child answers 200 on its ready URL (or, without one, stays up for 2 s)."""
    deadline = time.monotonic() + timeout
    answers: dict[str, str] = {}
    async with httpx.AsyncClient(timeout=2.0) as client:

        async def probe(child: Child) -> None:
            if child.failed:
                raise StartFailed(f"{child.name} could not start", child)
            if not child.alive:
                return
            if child.spec.ready_url is None:
                child.ready = time.monotonic() - child.started_at >= 2.0
            else:
                try:
                    response = await client.get(child.spec.ready_url)
                except httpx.HTTPError as exc:
                    answers[child.name] = f"no answer: {type(exc).__name__}"
                    return
                child.ready = response.status_code == 200
                answers[child.name] = f"{response.status_code} {response.text[:300]}"
            if child.ready:
                console.info(f"{child.name} ready")

        while pending := [child for child in children if not child.ready]:
            if time.monotonic() > deadline:
                detail = "; ".join(f"{c.name}: {answers.get(c.name, 'no answer')}" for c in pending)
                raise StartFailed(f"not ready after {timeout:.0f}s ({detail})", pending[0])
            await asyncio.gather(*(probe(child) for child in pending))
            await asyncio.sleep(0.25)
