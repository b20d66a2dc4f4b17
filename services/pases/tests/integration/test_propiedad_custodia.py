"""Property (hypothesis, against the real service and PostgreSQL): in any order of envíos,
recepciones, rechazos, reversiones and attempts by a desk that does not hold it, an expediente
always has exactly one holder — the destination while on its way, with one pending pase —
and the refused attempts change nothing."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pases_ayudas import Escenario
from sqlalchemy import func, select

from pases.models import Pase

ACCIONES = st.lists(
    st.tuples(
        st.sampled_from(["enviar", "recibir", "rechazar", "revertir", "ajeno"]), st.booleans()
    ),
    min_size=1,
    max_size=8,
)


@dataclass
class Modelo:
    """What the custody must be: who holds it and, while on its way, the pending pase."""

    holder: uuid.UUID
    pase: str | None = None
    origen: uuid.UUID | None = None
    destino: uuid.UUID | None = None


async def _pendientes(escenario: Escenario, expediente: uuid.UUID) -> int:
    async with escenario.app.state.sessions() as db:
        query = select(func.count()).where(
            Pase.expediente_id == expediente, Pase.estado == "PENDIENTE"
        )
        return int((await db.execute(query)).scalar_one())


async def _paso(
    escenario: Escenario, mesas: list[uuid.UUID], exp: uuid.UUID, m: Modelo, accion: str, otra: bool
) -> None:
    c, admin = escenario.cliente, escenario.headers(None, "ADMIN")
    libres = [x for x in mesas if x not in (m.holder, m.destino)]
    if accion == "enviar" and m.pase is None:
        destino = libres[int(otra) % len(libres)]
        r = await escenario.enviar(m.holder, destino, [exp])
        assert r.status_code == 201, r.text
        m.pase, m.origen, m.destino = r.json()["pases"][0]["id"], m.holder, destino
        m.holder = destino
    elif accion == "enviar":  # on its way: its sender no longer holds it
        assert m.origen is not None
        tercera = next(x for x in mesas if x not in (m.origen, m.destino))
        r = await escenario.enviar(m.origen, tercera, [exp])
        assert r.status_code in (404, 409), r.text
    elif accion in ("recibir", "rechazar") and m.pase is not None:
        assert m.destino is not None
        cuerpo = {} if accion == "recibir" else {"motivo": "No corresponde a esta mesa"}
        ruta = "recepcion" if accion == "recibir" else "rechazo"
        r = await c.post(
            f"/api/v1/pases/{m.pase}/{ruta}", json=cuerpo, headers=escenario.headers(m.destino)
        )
        assert r.status_code == 200, r.text
        m.holder = m.destino if accion == "recibir" else m.origen  # type: ignore[assignment]
        m.pase = m.origen = m.destino = None
    elif accion == "revertir" and m.pase is not None:
        assert m.origen is not None
        pedido = await c.post(
            f"/api/v1/pases/{m.pase}/solicitudes-reversion",
            json={"motivo": "Enviado por error"},
            headers=escenario.headers(m.origen),
        )
        assert pedido.status_code == 201, pedido.text
        r = await c.post(
            f"/api/v1/solicitudes-reversion/{pedido.json()['id']}/aprobar", json={}, headers=admin
        )
        assert r.status_code == 200, r.text
        m.holder, m.pase, m.origen, m.destino = m.origen, None, None, None
    elif accion == "ajeno" and m.pase is not None:
        intruso = libres[0]
        r = await c.post(
            f"/api/v1/pases/{m.pase}/recepcion", json={}, headers=escenario.headers(intruso)
        )
        assert r.status_code in (404, 409), r.text


async def _cumple(escenario: Escenario, exp: uuid.UUID, m: Modelo) -> None:
    tenencia = await escenario.tenencia(exp)
    if m.pase is None:
        assert (tenencia.mesa_id, tenencia.en_transito) == (m.holder, False)
        assert await _pendientes(escenario, exp) == 0
    else:
        assert (tenencia.mesa_id, tenencia.en_transito, tenencia.mesa_origen_id) == (
            m.destino,
            True,
            m.origen,
        )
        assert await _pendientes(escenario, exp) == 1


async def test_la_custodia_tiene_siempre_un_solo_tenedor_en_cualquier_orden(
    escenario: Escenario,
) -> None:
    loop = asyncio.get_running_loop()
    mesas = [await escenario.mesa() for _ in range(3)]

    async def correr(acciones: list[tuple[str, bool]]) -> None:
        exp = await escenario.expediente(mesas[0])
        modelo = Modelo(holder=mesas[0])
        for accion, otra in acciones:
            await _paso(escenario, mesas, exp, modelo, accion, otra)
            await _cumple(escenario, exp, modelo)

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(acciones=ACCIONES)
    def propiedad(acciones: list[tuple[str, bool]]) -> None:
        asyncio.run_coroutine_threadsafe(correr(acciones), loop).result(timeout=180)

    await asyncio.to_thread(propiedad)
