"""The outbox relay of a serving process, on a thread and an event loop of its own.

In the requests' event loop every step of a relay pass (the claim, each publication and its
confirm, the mark) waits for a turn behind every request in progress: once the process is
busy, a pass over a hundred rows took seconds, and so did an event from its commit to the
broker. On its own loop, with its own database pool (`RELAY_CONNECTIONS`) and its own broker
connection, a step waits at most for the interpreter's switch interval (5 ms), whatever the
load. It is the same relay `python -m <service> relay` runs (`run_relay`), so the messaging
guarantees are the same: published iff committed, confirms, leases, dead rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from sigexp_common.broker import Broker
from sigexp_common.db import make_engine
from sigexp_common.relay import RELAY_CONNECTIONS, OutboxRelay
from sigexp_common.settings import ServiceSettings

log = logging.getLogger("sigexp.relay")

SessionsOf = Callable[[AsyncEngine], async_sessionmaker[AsyncSession]]


async def run_relay(settings: ServiceSettings, sessions_of: SessionsOf) -> None:
    """Publish the outbox forever, with a pool and a broker connection of its own."""
    engine = make_engine(settings.database_url, pool_size=RELAY_CONNECTIONS, max_overflow=0)
    broker = Broker(settings.amqp_url, settings.exchange)
    try:
        await broker.connect_forever()
        await OutboxRelay.from_settings(settings, sessions_of(engine), broker).run()
    finally:
        await broker.close()
        await engine.dispose()


class RelayThread:
    """`run_relay` on a daemon thread until `stop` (which cancels it between its awaits, as a
    SIGTERM stops the relay process: a pass cut short leaves its rows leased, sent again)."""

    def __init__(self, settings: ServiceSettings, sessions_of: SessionsOf) -> None:
        self._settings = settings
        self._sessions_of = sessions_of
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._main, name="relay", daemon=True)

    def start(self) -> None:
        self._thread.start()
        self._started.wait(10)

    def _main(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.create_task(run_relay(self._settings, self._sessions_of), name="relay")
        self._started.set()
        try:
            await self._task
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("the relay stopped")

    async def stop(self, timeout: float = 10.0) -> None:
        loop, task = self._loop, self._task
        if loop is not None and task is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # its loop ended meanwhile
                loop.call_soon_threadsafe(task.cancel)
        await asyncio.to_thread(self._thread.join, timeout)
