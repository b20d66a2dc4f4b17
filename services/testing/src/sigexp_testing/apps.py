"""Run a service app in-process with its real lifespan (migrations, broker, relay, consumers)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from sigexp_common.app import ServiceSpec, create_app
from sigexp_common.revocation import no_revocations
from sigexp_common.security import JwksVerifier
from sigexp_common.settings import ServiceSettings


def from_gateway(address: str, secret: str | None = None) -> dict[str, str]:
    """The headers of a request the gateway forwards for a client at `address`: a service
    believes X-Forwarded-For only with the gateway's secret (by default the development one,
    or `SIGEXP_GATEWAY_SECRET`)."""
    return {
        "X-Forwarded-For": address,
        "X-Sigexp-Gateway": secret or ServiceSettings().gateway_secret,
    }


@asynccontextmanager
async def running_app(
    spec: ServiceSpec, verifier: JwksVerifier | None = None, wait_consumers: bool = True
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The app and a client of it. With `wait_consumers` (the default) it yields only once the
    broker answered and the consumers run: readiness does not wait for the broker, tests that
    publish and expect an effect do. With a `verifier` of test tokens no auth issued them, so
    no auth is asked for revoked sessions (the bus may still bring some); then, or when the
    spec loads them itself (auth), it also waits for that list to be complete (writes with a
    token are refused until then)."""
    if verifier is not None:
        spec = dataclasses.replace(spec, revocations_source=lambda app: no_revocations)
    wait_revocations = spec.revocations_source is not None
    app = create_app(spec)
    async with app.router.lifespan_context(app):
        if verifier is not None:
            await app.state.verifier.aclose()
            app.state.verifier = verifier
        if wait_consumers:
            await asyncio.wait_for(app.state.messaging_ready.wait(), timeout=30)
            if wait_revocations:
                await asyncio.wait_for(app.state.revocaciones.wait_live(), timeout=30)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield app, client
