"""Stopping asyncio work within a bound, even when a library lost a cancellation.

Under Python 3.11 aio-pika can swallow a task's cancellation: its `wait_for` returns a result
that completed in the same loop iteration as the cancel, and a connection closed meanwhile
throws its own error into the awaiting task in place of the `CancelledError`. The task then
goes on as if nothing happened (its `cancelling()` stays above zero): a shutdown that awaits
it hangs. That is what hung `test_relay_aparte` for 300 s: the revoked-sessions feed lost the
lifespan's cancel while it declared its exchange and kept retrying auth once a second.

A cancel lands at the task's next await, so cancelling again until it ends stops such a task;
`cancel_and_wait` does that up to a deadline and names what is left. `bounded` awaits a close
without depending on the close honouring a cancellation.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Iterable
from typing import Any

log = logging.getLogger("sigexp.stopping")

RECANCEL_SECONDS = 0.5  # how often a task that is still running is cancelled again
CLOSE_SECONDS = 5.0  # a connection's or a pool's close, at most


async def cancel_and_wait(
    tasks: Iterable[asyncio.Future[Any]], timeout: float, what: str
) -> set[asyncio.Future[Any]]:
    """Cancel `tasks` (again every `RECANCEL_SECONDS` while one still runs) and wait at most
    `timeout` seconds for them; the tasks still running then, logged as an error. A cancel of
    the caller meanwhile is held back until this returns (`_wait`)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    pending = {task for task in tasks if not task.done()}
    held = False
    while pending:
        for task in pending:
            task.cancel()
        left = deadline - loop.time()
        if left <= 0:
            break
        done, pending, cut = await _wait(pending, min(RECANCEL_SECONDS, left))
        held = held or cut
        _retrieve(done)
    if pending:
        log.error(
            "%s: %d task(s) still running after %.1fs: %s",
            what,
            len(pending),
            timeout,
            ", ".join(sorted(_name(task) for task in pending)),
        )
    _hold_back(held)
    return pending


async def bounded(work: Awaitable[Any], timeout: float, what: str) -> bool:
    """Await `work` (a close) for at most `timeout` seconds, as a task of its own so that its
    end does not depend on it honouring a cancellation; whether it finished. Its error, or
    its being cut short, is logged, never raised: a shutdown goes on with the next close. A
    cancel of the caller meanwhile waits for the close (then lands at the caller's next
    await): a stop that is hurried along still closes what it holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    task = asyncio.ensure_future(work)
    held = False
    while not task.done() and (left := deadline - loop.time()) > 0:
        _, _, cut = await _wait({task}, left)
        held = held or cut
    finished = task.done()
    if not finished:
        log.error("%s: not done after %.1fs, abandoned", what, timeout)
        await cancel_and_wait({task}, RECANCEL_SECONDS * 2, what)
    elif not task.cancelled() and task.exception() is not None:
        log.warning("%s failed: %r", what, task.exception())
        finished = False
    _hold_back(held)
    return finished


async def _wait(
    tasks: set[asyncio.Future[Any]], timeout: float
) -> tuple[set[asyncio.Future[Any]], set[asyncio.Future[Any]], bool]:
    """`asyncio.wait`, and whether the caller was cancelled meanwhile (then it returns early,
    with nothing done, and the caller decides when the cancel lands: `_hold_back`)."""
    try:
        done, pending = await asyncio.wait(tasks, timeout=timeout)
    except asyncio.CancelledError:
        return set(), tasks, True
    return done, pending, False


def _hold_back(held: bool) -> None:
    """Ask again for a cancel of the current task that was held back: it lands at its next
    await, after the stopping step that was under way."""
    current = asyncio.current_task()
    if held and current is not None:
        current.cancel()


def _retrieve(done: Iterable[asyncio.Future[Any]]) -> None:
    """Read the outcome of finished tasks (no "exception was never retrieved" at collection)."""
    for task in done:
        if not task.cancelled() and task.exception() is not None:
            log.warning("%s ended with %r", _name(task), task.exception())


def _name(task: asyncio.Future[Any]) -> str:
    return task.get_name() if isinstance(task, asyncio.Task) else repr(task)
