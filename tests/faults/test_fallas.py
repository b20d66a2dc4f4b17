"""Fault injection with nothing lost (issue 18): while pases and their receptions flow through
the gateway, one fault per run (RabbitMQ restarted; pases' relay, expedientes' consumer or
pases' HTTP process killed with SIGKILL and started again; PostgreSQL restarted). After
recovery every committed action is in every projection exactly once, the outboxes are empty,
and the dead-letter queues hold exactly the poison message the run planted. The time from the
fault until all that holds is reported (`SIGEXP_FALLAS_INFORME`, and the session's summary).

`SIGEXP_FALLAS_PASES` pases per run (60 by default; `make faults`: 1000). See README.md.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import asyncpg
import httpx
import pytest
from fallas_carga import Cliente, Resultado, altas, pases_por_corrida, pases_y_recepciones
from fallas_colas import DESTINO_VENENO, aparcados, plantar_veneno, vaciar
from fallas_inyeccion import FALLAS, Falla
from fallas_sistema import CON_BASE, Sistema
from fallas_verificacion import inconsistencias

PASES = pases_por_corrida()
CONCURRENCIA = int(os.environ.get("SIGEXP_FALLAS_CONCURRENCIA", "6"))
PLAZO_RECUPERACION = 180.0 + PASES * 0.2  # seconds from the end of the load
CUANDO = 0.3  # the fault starts once this share of the envíos has committed


async def _custodias_conocidas(sistema: Sistema, expedientes: list[str]) -> None:
    """pases heard of every new expediente (its custody) before any is sent."""
    limite = time.monotonic() + 120
    while time.monotonic() < limite:
        conexion = await asyncpg.connect(sistema.dsn("pases"))
        try:
            sql = "SELECT count(*) FROM tenencias WHERE expediente_id = ANY($1::uuid[])"
            if await conexion.fetchval(sql, expedientes) == len(expedientes):
                return
        finally:
            await conexion.close()
        await asyncio.sleep(0.3)
    raise AssertionError("pases no conoció los expedientes nuevos en 120 s")


async def _dlq_esperada(sistema: Sistema, veneno: str) -> list[str]:
    vistos = await aparcados(sistema.broker.amqp_url, CON_BASE)
    esperado = {s: [veneno] if s == DESTINO_VENENO else [] for s in CON_BASE}
    return [] if vistos == esperado else [f"DLQ: {vistos}, se esperaba {esperado}"]


async def _hasta_consistente(sistema: Sistema, resultado: Resultado, veneno: str) -> list[str]:
    dsns = {s: sistema.dsn(s) for s in CON_BASE}
    limite = time.monotonic() + PLAZO_RECUPERACION
    while True:
        try:
            problemas = await inconsistencias(dsns, resultado)
            problemas += await _dlq_esperada(sistema, veneno)
        except (OSError, asyncpg.PostgresError) as exc:
            problemas = [f"sin poder leer: {exc!r}"]
        if not problemas or time.monotonic() > limite:
            return problemas
        await asyncio.sleep(0.5)


@pytest.mark.timeout(300 + PASES * 3, func_only=True)  # the system starts apart
@pytest.mark.parametrize("falla", FALLAS, ids=[f.nombre for f in FALLAS])
async def test_tras_la_falla_cada_accion_comprometida_esta_una_vez_en_cada_proyeccion(
    sistema_de_fallas: Sistema, informe: list[dict[str, Any]], falla: Falla
) -> None:
    sistema = sistema_de_fallas
    resultado = Resultado()
    async with httpx.AsyncClient(base_url=sistema.gateway, timeout=30) as http:
        origen, destino = Cliente(http, "mesa.cap", resultado), Cliente(http, "mesa.sgg", resultado)
        await origen.entrar()
        await destino.entrar()
        resultado.expedientes = await altas(origen, PASES, falla.nombre, CONCURRENCIA)
        await _custodias_conocidas(sistema, resultado.expedientes)

        disparo = asyncio.Event()
        umbral = max(1, int(PASES * CUANDO))

        async def inyectar() -> tuple[float, float, str]:
            await disparo.wait()
            inicio = time.monotonic()
            await falla.provocar(sistema)
            restablecido = time.monotonic()
            return inicio, restablecido, await plantar_veneno(sistema.broker.amqp_url)

        inyeccion = asyncio.create_task(inyectar())
        await pases_y_recepciones(
            origen,
            destino,
            resultado,
            CONCURRENCIA,
            lambda n: disparo.set() if n >= umbral else None,
        )
        fin_de_carga = time.monotonic()
        disparo.set()  # a run whose envíos all failed still injects and checks
        inicio, restablecido, veneno = await inyeccion
    try:
        problemas = await _hasta_consistente(sistema, resultado, veneno)
        consistente = time.monotonic()
        dlq = await aparcados(sistema.broker.amqp_url, CON_BASE)
    finally:
        await vaciar(sistema.broker.amqp_url, CON_BASE)
    informe.append(
        {
            "falla": falla.nombre,
            "enviados_intentados": resultado.intentados,
            "pases_comprometidos": len(resultado.enviados),
            "recepciones_comprometidas": len(resultado.recibidos),
            "recuperacion_s": round(consistente - inicio, 2),
            "restablecido_s": round(restablecido - inicio, 2),
            "tras_la_carga_s": round(consistente - max(fin_de_carga, restablecido), 2),
            "reintentos": resultado.reintentos,
            "respuestas": dict(resultado.respuestas),
            "dlq": {s: ids for s, ids in dlq.items() if ids},
            "veneno": veneno,
            "consistente": not problemas,
        }
    )
    assert not resultado.fallidos, resultado.fallidos[:10]
    assert len(resultado.enviados) == len(resultado.recibidos) == PASES
    assert not problemas, problemas[:20]
