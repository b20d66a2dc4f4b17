"""Desk statistics: held, pending, dwell median and p90 (percentile_cont), overdue, stuck, and
pases sent and received per week; a desk sees its own, AUTORIDAD and ADMIN any desk or body."""

from __future__ import annotations

import uuid
from datetime import timedelta

import sembrado
from sqlalchemy import select

from pases.copias import Mesa
from sigexp_common.db import transaction

DIA = 86400


def _auth(tokens, perfil: str, mesa_id: uuid.UUID | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.token(perfil, mesa_id=mesa_id)}"}


async def _una_mesa_con_historia(app) -> tuple[uuid.UUID, uuid.UUID]:
    """A desk that received three files ten days ago, sent two on after 1 and 3 days, still
    holds the third, and has two on their way (one overdue)."""
    mesa = await sembrado.mesa(app, "Mesa medida")
    origen = await sembrado.mesa(app, "Origen")
    destino = await sembrado.mesa(app, "Destino")
    t0 = sembrado.hace(days=10)
    llegada = await sembrado.envio(app, origen, mesa, 3, enviado_en=t0)
    for pase_id in llegada.pase_ids:
        await sembrado.recibir(app, pase_id, en=t0 + timedelta(hours=1))
    e1, e2, _ = llegada.expediente_ids
    await sembrado.reenvio(app, [e1], mesa, destino, t0 + timedelta(hours=1, days=1))
    await sembrado.reenvio(app, [e2], mesa, destino, t0 + timedelta(hours=1, days=3))
    await sembrado.envio(app, origen, mesa, 1, vence_en=sembrado.hace(hours=1), plazo=1)
    await sembrado.envio(app, origen, mesa, 1, vence_en=sembrado.hace(hours=-30), plazo=3)
    async with transaction(app.state.sessions) as db:
        organismo = await db.scalar(select(Mesa.organismo_id).where(Mesa.id == mesa))
    assert organismo is not None
    return mesa, organismo


async def test_estadisticas_de_la_mesa_con_mediana_p90_vencidos_y_estancados(servicio, tokens):
    app, cliente = servicio
    mesa, _ = await _una_mesa_con_historia(app)
    r = await cliente.get(
        "/api/v1/mesa/estadisticas",
        params={"estancados_dias": 5},
        headers=_auth(tokens, "MESA_ENTRADA", mesa),
    )
    assert r.status_code == 200, r.text
    e = r.json()
    assert e["mesa_id"] == str(mesa)
    assert (e["en_poder"], e["pendientes_de_recibir"], e["vencidos"]) == (1, 2, 1)
    assert (e["estancados"], e["estancados_dias"]) == (1, 5)
    assert e["permanencias_medidas"] == 2
    assert abs(e["permanencia_mediana_segundos"] - 2 * DIA) < 1  # of 1 and 3 days
    assert abs(e["permanencia_p90_segundos"] - 2.8 * DIA) < 1  # interpolated, as percentile_cont
    semanas = e["por_semana"]
    assert sum(s["recibidos"] for s in semanas) == 3
    assert sum(s["enviados"] for s in semanas) == 2
    assert [s["semana"] for s in semanas] == sorted(s["semana"] for s in semanas)
    assert len(semanas) in (5, 6)  # the weeks 30 days touch
    # Stuck only past the days asked for.
    r = await cliente.get(
        "/api/v1/mesa/estadisticas",
        params={"estancados_dias": 11},
        headers=_auth(tokens, "MESA_ENTRADA", mesa),
    )
    assert r.json()["estancados"] == 0


async def test_un_periodo_sin_permanencias_terminadas_no_tiene_mediana(servicio, tokens):
    app, cliente = servicio
    mesa, _ = await _una_mesa_con_historia(app)
    r = await cliente.get(
        "/api/v1/mesa/estadisticas",
        params={
            "desde": sembrado.hace(days=2).isoformat(),
            "hasta": sembrado.hace(days=1).isoformat(),
        },
        headers=_auth(tokens, "OFICINA", mesa),
    )
    assert r.status_code == 200, r.text
    e = r.json()
    assert e["permanencias_medidas"] == 0
    assert e["permanencia_mediana_segundos"] is None
    assert e["en_poder"] == 1  # now, whatever the period


async def test_autoridad_ve_cualquier_mesa_u_organismo_y_una_mesa_no_ve_otra(servicio, tokens):
    app, cliente = servicio
    mesa, organismo = await _una_mesa_con_historia(app)
    otra = await sembrado.mesa(app, "Otra")
    ruta = "/api/v1/mesa/estadisticas"
    for params in ({"mesa_id": str(mesa)}, {"organismo_id": str(organismo)}):
        r = await cliente.get(ruta, params=params, headers=_auth(tokens, "AUTORIDAD", None))
        assert r.status_code == 200, r.text
        assert (r.json()["en_poder"], r.json()["pendientes_de_recibir"]) == (1, 2)
    total = await cliente.get(ruta, headers=_auth(tokens, "ADMIN", None))
    assert total.json()["en_poder"] >= 1
    for params in ({"mesa_id": str(mesa)}, {"organismo_id": str(organismo)}):
        r = await cliente.get(ruta, params=params, headers=_auth(tokens, "MESA_ENTRADA", otra))
        assert r.status_code == 403, r.text
    propia = await cliente.get(
        ruta, params={"mesa_id": str(otra)}, headers=_auth(tokens, "MESA_ENTRADA", otra)
    )
    assert propia.status_code == 200
    al_reves = await cliente.get(
        ruta,
        params={"desde": "2026-03-10T00:00:00", "hasta": "2026-03-01T00:00:00"},
        headers=_auth(tokens, "MESA_ENTRADA", otra),
    )
    assert al_reves.status_code == 422
    assert al_reves.json()["errors"][0]["campo"] == "desde"
