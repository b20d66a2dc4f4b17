"""Real HTTP servers in the test's own event loop: the gateway and a stand-in service behind it.

Over real sockets (not an ASGI transport, which holds whole bodies): streaming is what is tested.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from gateway.main import create_gateway
from gateway.settings import Settings, services
from sigexp_common.revocation import no_revocations
from sigexp_testing.sockets import served
from sigexp_testing.tokens import TokenFactory

servidor = served  # `app` on a real socket until the block ends; yields its base URL


@asynccontextmanager
async def gateway_ante(
    servicio: FastAPI, tokens: TokenFactory, **settings: Any
) -> AsyncIterator[str]:
    """A gateway, served for real, whose every upstream is `servicio`; yields its base URL."""
    async with (
        servidor(servicio) as upstream,
        gateway_ante_url(upstream, tokens, **settings) as url,
    ):
        yield url


@asynccontextmanager
async def gateway_ante_url(
    upstream: str, tokens: TokenFactory, **settings: Any
) -> AsyncIterator[str]:
    """A gateway, served for real, whose every upstream is at `upstream`; yields its base URL."""
    urls = {f"{name}_url": upstream for name in services()}
    # Test tokens: no auth issued them, so no auth is asked for revoked sessions.
    gateway = create_gateway(Settings(**{**urls, **settings}), revocations_source=no_revocations)
    async with gateway.router.lifespan_context(gateway):
        await gateway.state.verifier.aclose()
        gateway.state.verifier = tokens.verifier()
        await asyncio.wait_for(gateway.state.revocaciones.wait_live(), timeout=30)
        async with servidor(gateway) as url:
            yield url
