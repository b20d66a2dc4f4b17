"""Waiting for asynchronous outcomes (the bus is asynchronous by nature)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


async def wait_until(condition: Callable[[], Awaitable[bool]], timeout: float = 20.0) -> None:
    """Return as soon as `condition()` is true; fail with TimeoutError after `timeout` seconds."""
    async with asyncio.timeout(timeout):
        while not await condition():  # noqa: ASYNC110 - polling a database or a queue
            await asyncio.sleep(0.1)
