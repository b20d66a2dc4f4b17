"""The revoked-sessions feed ends when it is stopped even if a library swallowed the stop: what
once hung a service's shutdown (aio-pika handed the feed its own error in place of the cancel,
and the feed went on retrying a source that was gone, forever)."""

from __future__ import annotations

import asyncio

from sigexp_common.revocation import ListaRevocaciones, Revocaciones, RevocationFeed
from sigexp_common.stopping import cancel_and_wait
from sigexp_testing.infra import TestInfra


async def test_la_suscripcion_a_revocaciones_termina_aunque_pierda_su_cancelacion(
    infra: TestInfra,
) -> None:
    llamada = asyncio.Event()

    async def fuente_que_cambia_la_cancelacion() -> ListaRevocaciones:
        llamada.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            raise ConnectionError("connection closed meanwhile") from None
        raise AssertionError("unreachable")

    feed = RevocationFeed(
        Revocaciones(), infra.amqp_url, "sigexp.events", fuente_que_cambia_la_cancelacion
    )
    tarea = asyncio.create_task(feed.run())
    await asyncio.wait_for(llamada.wait(), timeout=30)
    tarea.cancel()
    done, _ = await asyncio.wait({tarea}, timeout=30)
    if not done:  # what the bug did: leave no task behind for the session's loop
        await cancel_and_wait({tarea}, 5, "prueba")
    assert tarea in done
    assert tarea.cancelled()
