"""Property (hypothesis, against the real service and PostgreSQL): whatever the mix of series
and however the altas of a series are interleaved in concurrent waves, every series ends with
exactly the numbers 1..n — no gap, no duplicate."""

from __future__ import annotations

import asyncio
import itertools
import string
from collections import defaultdict

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

DATOS = {
    "extracto": "Alta de la propiedad de numeración",
    "tomos": 1,
    "fojas": 0,
    "tipo": "GENERAL",
}
_SERIES = itertools.count()


def _letras_nuevas() -> str:
    """Letters never used before in this session: every example numbers fresh series."""
    n, letras = next(_SERIES), ""
    while True:
        n, resto = divmod(n, 26)
        letras += string.ascii_uppercase[resto]
        if n == 0:
            return "PROP" + letras


# A wave is a list of altas sent at once; each alta names one of three series of the example.
OLAS = st.lists(st.lists(st.integers(0, 2), min_size=1, max_size=12), min_size=1, max_size=4)


async def test_la_numeracion_queda_sin_huecos_ni_duplicados_en_cualquier_intercalado(
    cliente: httpx.AsyncClient, mesa
) -> None:
    loop = asyncio.get_running_loop()

    async def correr(olas: list[list[int]]) -> None:
        series = [{"letras": _letras_nuevas()} for _ in range(2)] + [{"anio": 2024}]
        numeros: dict[int, list[int]] = defaultdict(list)
        for ola in olas:
            respuestas = await asyncio.gather(
                *(
                    cliente.post(
                        "/api/v1/expedientes", json={**DATOS, **series[i]}, headers=mesa.headers()
                    )
                    for i in ola
                )
            )
            for i, r in zip(ola, respuestas, strict=True):
                assert r.status_code == 201, r.text
                numeros[i].append(r.json()["numero"])
        for i, asignados in numeros.items():
            if i == 2:  # the year series is shared by the examples: contiguous and new
                assert sorted(asignados) == list(
                    range(min(asignados), min(asignados) + len(asignados))
                )
            else:
                assert sorted(asignados) == list(range(1, len(asignados) + 1)), (
                    series[i],
                    asignados,
                )

    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(olas=OLAS)
    def propiedad(olas: list[list[int]]) -> None:
        asyncio.run_coroutine_threadsafe(correr(olas), loop).result(timeout=120)

    await asyncio.to_thread(propiedad)
