"""Stopping is bounded even when a task loses its cancellation (as aio-pika's did under 3.11,
which hung a service's shutdown): it is cancelled again until it ends, what never ends is
named and left, and a close in progress is finished before the caller's own cancel lands."""

from __future__ import annotations

import asyncio
import logging

import pytest

from sigexp_common.stopping import bounded, cancel_and_wait


async def _pierde_una_cancelacion(vueltas: list[int]) -> None:
    """Swallows the first cancel (a library replacing it with its own error), as the
    revoked-sessions feed did, then goes on awaiting as if nothing happened."""
    while True:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            vueltas.append(1)
            if len(vueltas) > 1:
                raise


async def _no_cede_hasta(basta: asyncio.Event) -> None:
    """Ignores every cancel; ends only when the test says `basta` (so nothing outlives it)."""
    while True:
        try:
            await basta.wait()
            return
        except asyncio.CancelledError:
            continue


async def test_una_tarea_que_pierde_su_cancelacion_termina_igual() -> None:
    vueltas: list[int] = []
    tarea = asyncio.create_task(_pierde_una_cancelacion(vueltas))
    await asyncio.sleep(0)
    quedan = await cancel_and_wait({tarea}, timeout=30, what="prueba")
    assert quedan == set()
    assert tarea.cancelled()
    assert len(vueltas) == 2


async def test_una_tarea_que_no_cede_nunca_queda_nombrada_y_la_parada_sigue(
    caplog: pytest.LogCaptureFixture,
) -> None:
    basta = asyncio.Event()
    tarea = asyncio.create_task(_no_cede_hasta(basta), name="terca")
    await asyncio.sleep(0)
    with caplog.at_level(logging.ERROR, logger="sigexp.stopping"):
        quedan = await cancel_and_wait({tarea}, timeout=1.0, what="prueba")
    assert quedan == {tarea}
    assert "terca" in caplog.text
    basta.set()
    await tarea


async def test_un_cierre_en_curso_termina_antes_que_la_cancelacion_de_quien_lo_espera() -> None:
    cerrado = asyncio.Event()
    liberar = asyncio.Event()

    async def cierre() -> None:
        await liberar.wait()
        cerrado.set()

    async def parada() -> None:
        await bounded(cierre(), timeout=30, what="cierre")
        await asyncio.sleep(3600)  # the held-back cancel lands here

    tarea = asyncio.create_task(parada())
    await asyncio.sleep(0)
    tarea.cancel()
    await asyncio.sleep(0.05)
    assert not tarea.done()  # still closing
    liberar.set()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(tarea, timeout=30)
    assert cerrado.is_set()


async def test_un_cierre_que_no_termina_se_abandona_al_plazo(
    caplog: pytest.LogCaptureFixture,
) -> None:
    basta = asyncio.Event()
    cierre = asyncio.create_task(_no_cede_hasta(basta))
    with caplog.at_level(logging.ERROR, logger="sigexp.stopping"):
        terminado = await bounded(cierre, timeout=0.5, what="cierre colgado")
    assert terminado is False
    assert "cierre colgado" in caplog.text
    basta.set()
    await cierre
