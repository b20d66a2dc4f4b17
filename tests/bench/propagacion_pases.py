"""`make bench-pases`: the pases figures of issue 11, measured on the whole system.

1. Propagation: pases sent at a steady rate (`--por-segundo`, `--segundos`; 100/s for 60 s by
   default), one expediente per envío, straight at pases. For each, the time from the send's
   commit in pases to the commit in expedientes that makes the expediente show
   RECEPCION_PENDIENTE (its custody copy in transit). Both instants come from PostgreSQL itself:
   a trigger added to this run's throwaway databases NOTIFYs on the `pases` INSERT and on the
   `custodias` UPDATE, and a notification is delivered when its transaction commits; one
   listener thread (its own event loop, away from the load) stamps both with the same clock.
   Its stages (`etapas`): commit → routed by the broker (a tap queue bound to the custody
   event) → expedientes' consumer transaction starts (its inbox row) → that commit. pases and
   expedientes run as deployed: HTTP, `relay` and `consume` in processes of their own
   (`--mensajeria-dentro`: inside the HTTP process, as one-worker `serve` does); their CPU per
   pase is given per process, and `--perfil DIR` py-spies them meanwhile.
2. Raw RabbitMQ publish→consume latency at the same rate, in the same run, on the same broker
   (an exclusive queue in this run's vhost; then persistent, confirmed, through a quorum queue
   as events travel): the floor the propagation stands on.
3. A remito of `--remito` (200) expedientes: the envío in one call, then its PDF.

Load goes only to 127.0.0.1. `--breve` is a short run (20/s for 5 s, remito of 50).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import aio_pika
import asyncpg
import cpu
import httpx
import perfil
import sistema as sistema_

from sigexp_testing.infra import TestInfra, local_infra

USUARIO = ("mesa.cap", "Demo-Sigexp-2026")  # auth's demo MESA_ENTRADA of CAP
DESTINO = "SGG-MESA"
EXCHANGE = "sigexp.events"
CUSTODIA = "sigexp.custodia.actualizada.v1"  # the event expedientes' copy of custody takes
TRIGGERS = {
    "pases": (
        "pases",
        "AFTER INSERT ON pases FOR EACH ROW",
        "bench_enviado",
    ),
    "expedientes": (
        "custodias",
        "AFTER UPDATE ON custodias FOR EACH ROW WHEN (NEW.en_transito AND NOT OLD.en_transito)",
        "bench_pendiente",
    ),
}


def _dsn(infra: TestInfra, servicio: str) -> str:
    return infra.database_url(f"bench_{servicio}").replace("postgresql+asyncpg://", "postgresql://")


def percentil(valores: list[float], p: float) -> float | None:
    if not valores:
        return None
    ordenados = sorted(valores)
    return ordenados[min(len(ordenados) - 1, round(p / 100 * (len(ordenados) - 1)))]


def resumen_ms(valores: list[float]) -> dict[str, Any]:
    ms = [v * 1000 for v in valores]
    return {
        "n": len(ms),
        "p50_ms": round(percentil(ms, 50) or 0, 2),
        "p90_ms": round(percentil(ms, 90) or 0, 2),
        "p95_ms": round(percentil(ms, 95) or 0, 2),
        "p99_ms": round(percentil(ms, 99) or 0, 2),
        "max_ms": round(max(ms), 2) if ms else None,
    }


class Oyente:
    """Stamps (wall clock, `time.time`, the clock PostgreSQL's timestamps on this same host
    use) every commit notification of both databases and every custody event the broker
    routes to a tap queue of the bench's own, in a thread with its own event loop so the load
    generator's loop does not delay it."""

    def __init__(self, dsns: dict[str, str], amqp: str) -> None:
        self.dsns = dsns
        self.amqp = amqp
        self.marcas: dict[str, dict[str, float]] = {c: {} for _, _, c in TRIGGERS.values()}
        self.en_broker: dict[str, float] = {}  # outbox id → routed by the broker to the tap
        self.listo = threading.Event()
        self._fin: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._fallo: BaseException | None = None
        self._hilo = threading.Thread(target=self._correr, daemon=True)

    def _correr(self) -> None:
        try:
            asyncio.run(self._escuchar())
        except BaseException as exc:  # said by __enter__, not lost in the thread
            self._fallo = exc
            self.listo.set()

    def __enter__(self) -> Oyente:
        self._hilo.start()
        if not self.listo.wait(30):
            raise RuntimeError("el oyente de notificaciones no arrancó")
        if self._fallo is not None:
            raise RuntimeError("el oyente de notificaciones falló") from self._fallo
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._fin is not None:
            self._loop.call_soon_threadsafe(self._fin.set)
        self._hilo.join(10)

    async def _escuchar(self) -> None:
        self._loop, self._fin = asyncio.get_running_loop(), asyncio.Event()
        conexiones = []
        for servicio, (tabla, cuando, canal) in TRIGGERS.items():
            conn = await asyncpg.connect(self.dsns[servicio])
            await conn.execute(
                f"""
                CREATE OR REPLACE FUNCTION {canal}() RETURNS trigger AS $$
                BEGIN PERFORM pg_notify('{canal}', NEW.expediente_id::text); RETURN NEW; END
                $$ LANGUAGE plpgsql;
                DROP TRIGGER IF EXISTS {canal} ON {tabla};
                CREATE TRIGGER {canal} {cuando} EXECUTE FUNCTION {canal}();
                """
            )
            marcas = self.marcas[canal]

            def anotar(
                _c: Any, _pid: int, _canal: str, carga: str, m: dict[str, float] = marcas
            ) -> None:
                m.setdefault(carga, time.time())

            await conn.add_listener(canal, anotar)
            conexiones.append(conn)
        broker = await aio_pika.connect(self.amqp)
        canal_amqp = await broker.channel()
        await canal_amqp.set_qos(prefetch_count=1000)
        intercambio = await canal_amqp.get_exchange(EXCHANGE)
        escucha = await canal_amqp.declare_queue(exclusive=True, auto_delete=True)
        await escucha.bind(intercambio, routing_key=CUSTODIA)

        async def en_broker(mensaje: aio_pika.abc.AbstractIncomingMessage) -> None:
            self.en_broker.setdefault(str(mensaje.message_id), time.time())
            await mensaje.ack()

        await escucha.consume(en_broker)
        self.listo.set()
        await self._fin.wait()
        await broker.close()
        for conn in conexiones:
            await conn.close()


async def _login(auth: str) -> tuple[str, str]:
    async with httpx.AsyncClient(base_url=auth, timeout=30) as client:
        r = await client.post(
            "/api/v1/auth/login", json={"usuario": USUARIO[0], "password": USUARIO[1]}
        )
        r.raise_for_status()
        token = str(r.json()["access_token"])
        r = await client.get("/api/v1/catalogo/mesas", headers={"Authorization": f"Bearer {token}"})
        r.raise_for_status()
        destino = next(m["id"] for m in r.json()["items"] if m["codigo"] == DESTINO)
        return token, str(destino)


async def sembrar(expedientes: str, token: str, cuantos: int) -> list[str]:
    """`cuantos` altas at expedientes, 16 series at a time."""
    ids: list[str] = []
    pendientes = iter(range(cuantos))

    async def alta(client: httpx.AsyncClient, datos: dict[str, str]) -> httpx.Response:
        """A connection cut on an overloaded machine is tried again (an alta that did go
        through meanwhile is one more expediente the load does not use)."""
        for _ in range(4):
            try:
                return await client.post("/api/v1/expedientes", json=datos)
            except httpx.TransportError:
                await asyncio.sleep(1)
        return await client.post("/api/v1/expedientes", json=datos)

    async def serie(client: httpx.AsyncClient, letras: str) -> None:
        for n in pendientes:
            datos = {"extracto": f"Expediente del banco de pases {n}", "letras": letras}
            r = await alta(client, datos)
            while r.status_code == 409 and "retry-after" in r.headers:
                await asyncio.sleep(float(r.headers["retry-after"]))
                r = await alta(client, datos)
            r.raise_for_status()
            ids.append(str(r.json()["id"]))

    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=expedientes, headers=headers, timeout=60) as client:
        await asyncio.gather(*(serie(client, "PASES" + chr(65 + i)) for i in range(16)))
    return ids


async def _custodia_en_pases(dsn: str, ids: list[str]) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        limite = time.monotonic() + 120
        while time.monotonic() < limite:
            n = await conn.fetchval(
                "SELECT count(*) FROM tenencias WHERE expediente_id = ANY($1::uuid[])", ids
            )
            if n == len(ids):
                return
            await asyncio.sleep(0.5)
        raise RuntimeError(f"pases conoce {n} de {len(ids)} expedientes")
    finally:
        await conn.close()


async def _en_calma(dsns: dict[str, str], ids: list[str]) -> None:
    """Start the load on a quiet system: pases' outbox published (the altas' custody events
    first in its queue) and expedientes holding custody's version 1 of every seeded file."""
    pases = await asyncpg.connect(dsns["pases"])
    expedientes = await asyncpg.connect(dsns["expedientes"])
    try:
        limite = time.monotonic() + 180
        while time.monotonic() < limite:
            pendientes = await pases.fetchval(
                "SELECT count(*) FROM outbox WHERE published_at IS NULL AND dead_at IS NULL"
            )
            confirmados = await expedientes.fetchval(
                "SELECT count(*) FROM custodias WHERE version >= 1"
                " AND expediente_id = ANY($1::uuid[])",
                ids,
            )
            if pendientes == 0 and confirmados == len(ids):
                return
            await asyncio.sleep(0.5)
        raise RuntimeError(f"sin calma: {pendientes} por publicar, {confirmados}/{len(ids)}")
    finally:
        await pases.close()
        await expedientes.close()


def _envio(ids: list[str], destino: str) -> dict[str, Any]:
    return {
        "expediente_ids": ids,
        "mesa_destino_id": destino,
        "permiso": "ESCRITURA",
        "fojas_agregadas": 0,
        "tomos_agregados": 0,
    }


async def propagacion(
    pases: str, token: str, destino: str, ids: list[str], por_segundo: float, oyente: Oyente
) -> dict[str, Any]:
    """One envío per expediente at `por_segundo`, open loop (a slow answer delays no send)."""
    errores: list[int] = []
    limite = asyncio.Semaphore(128)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=pases, headers=headers, timeout=30) as client:

        async def enviar(expediente_id: str) -> None:
            async with limite:
                try:
                    r = await client.post("/api/v1/pases", json=_envio([expediente_id], destino))
                except httpx.TimeoutException:  # counted: an overloaded machine must not end
                    errores.append(0)  # the run without its figures
                    return
                if r.status_code != 201:
                    errores.append(r.status_code)

        inicio = time.perf_counter()
        tareas = []
        for i, expediente_id in enumerate(ids):
            espera = inicio + i / por_segundo - time.perf_counter()
            if espera > 0:
                await asyncio.sleep(espera)
            tareas.append(asyncio.create_task(enviar(expediente_id)))
        await asyncio.gather(*tareas)
        duracion = time.perf_counter() - inicio
    enviados, pendientes = oyente.marcas["bench_enviado"], oyente.marcas["bench_pendiente"]
    limite_espera = time.monotonic() + 15
    while time.monotonic() < limite_espera and not set(ids) <= set(pendientes):  # noqa: ASYNC110 - filled by another thread
        await asyncio.sleep(0.1)
    latencias = [pendientes[i] - enviados[i] for i in ids if i in enviados and i in pendientes]
    return {
        "pases": len(ids),
        "segundos": round(duracion, 2),
        "pases_por_segundo": round(len(ids) / duracion, 1),
        "errores_http": len(errores),
        "sin_propagar": len(ids) - len(latencias),
        **resumen_ms(latencias),
    }


async def etapas(dsns: dict[str, str], ids: list[str], oyente: Oyente) -> dict[str, Any]:
    """Where the propagation time goes, event by event (the custody event of each envío),
    every instant on the wall clock of this host: the envío's commit (its notification), the
    broker routing the event (the tap queue: relay wake-up, claim, publish), the start of
    expedientes' consumer transaction (its inbox row: delivery from the quorum queue and the
    consumer's pickup), that transaction's commit (inbox + projection). Also the relay's own
    figures from pases' outbox: `created_at` is the envío's transaction start, `published_at`
    the moment the relay marked the row, after the broker's confirm."""
    pases = await asyncpg.connect(dsns["pases"])
    expedientes = await asyncpg.connect(dsns["expedientes"])
    try:
        salidas = await pases.fetch(
            "SELECT id, subject, created_at, published_at FROM outbox"
            " WHERE type = $2 AND subject = ANY($1::text[])"
            " AND published_at IS NOT NULL AND (envelope->>'sequence')::int >= 2",  # not the alta's
            ids,
            CUSTODIA,
        )
        llegadas = {
            r["event_id"]: r["received_at"].timestamp()
            for r in await expedientes.fetch(
                "SELECT event_id, received_at FROM inbox WHERE event_id = ANY($1::uuid[])",
                [r["id"] for r in salidas],
            )
        }
    finally:
        await pases.close()
        await expedientes.close()
    enviados, pendientes = oyente.marcas["bench_enviado"], oyente.marcas["bench_pendiente"]
    tramos: dict[str, list[float]] = {
        "envio_transaccion": [],
        "commit_a_publicado": [],
        "commit_a_broker": [],
        "broker_a_consumidor": [],
        "consumidor_a_commit": [],
    }
    for r in salidas:
        expediente, evento = r["subject"], str(r["id"])
        commit, ruteo = enviados.get(expediente), oyente.en_broker.get(evento)
        inicio, fin = llegadas.get(r["id"]), pendientes.get(expediente)
        if commit is None or ruteo is None or inicio is None or fin is None:
            continue
        tramos["envio_transaccion"].append(commit - r["created_at"].timestamp())
        tramos["commit_a_publicado"].append(r["published_at"].timestamp() - commit)
        tramos["commit_a_broker"].append(ruteo - commit)
        tramos["broker_a_consumidor"].append(inicio - ruteo)
        tramos["consumidor_a_commit"].append(fin - inicio)
    return {nombre: resumen_ms(valores) for nombre, valores in tramos.items()}


async def rabbitmq_crudo(
    amqp: str, por_segundo: float, segundos: float, quorum: bool = False
) -> dict[str, Any]:
    """Publish→consume latency of bare messages at the same rate on the same broker: on an
    exclusive classic queue, or (`quorum`) as the system's events travel: persistent, each
    confirmed, through a durable quorum queue."""
    conexion = await aio_pika.connect_robust(amqp)
    latencias: list[float] = []
    try:
        canal = await conexion.channel(publisher_confirms=quorum)
        if quorum:
            cola = await canal.declare_queue(
                f"bench.crudo.{os.getpid()}", durable=True, arguments={"x-queue-type": "quorum"}
            )
        else:
            cola = await canal.declare_queue(exclusive=True, auto_delete=True)

        async def recibir(mensaje: aio_pika.abc.AbstractIncomingMessage) -> None:
            latencias.append(time.perf_counter() - float(mensaje.body))
            await mensaje.ack()

        await cola.consume(recibir)
        total = int(por_segundo * segundos)
        modo = aio_pika.DeliveryMode.PERSISTENT if quorum else aio_pika.DeliveryMode.NOT_PERSISTENT
        inicio = time.perf_counter()
        for i in range(total):
            espera = inicio + i / por_segundo - time.perf_counter()
            if espera > 0:
                await asyncio.sleep(espera)
            cuerpo = repr(time.perf_counter()).encode()
            await canal.default_exchange.publish(
                aio_pika.Message(cuerpo, delivery_mode=modo), routing_key=cola.name
            )
        limite = time.monotonic() + 10
        while len(latencias) < total and time.monotonic() < limite:  # noqa: ASYNC110 - polling
            await asyncio.sleep(0.05)
        if quorum:
            await cola.delete(if_unused=False, if_empty=False)
    finally:
        await conexion.close()
    return resumen_ms(latencias)


def _dibujar(cuantos: int) -> float:
    """The PDF of a remito of `cuantos` drawn in this process alone (no HTTP, no database):
    what the route's time is made of on this machine right now."""
    from datetime import UTC, datetime

    from pases.pdf import ItemImpreso, RemitoImpreso, remito_pdf

    extracto = "Solicitud de adjudicación de tierras fiscales en el lote Las Heras, ampliación"
    remito = RemitoImpreso(
        numero=1,
        anio=2026,
        mesa_origen="CAP - Mesa de Entradas y Salidas",
        organismo_origen="CONSEJO AGRARIO PROVINCIAL (AUTÁRQUICO)",
        mesa_destino="SGG - Mesa de Entradas y Salidas",
        organismo_destino="MINISTERIO SECRETARÍA GENERAL DE LA GOBERNACIÓN",
        dependencia=None,
        emitido_por="mesa.cap",
        emitido_en=datetime.now(UTC),
        url_verificacion="http://127.0.0.1:8000/api/v1/remitos/verificar/" + "x" * 22,
        items=[ItemImpreso(f"{i}-2026", extracto, 10, 1) for i in range(cuantos)],
    )
    inicio = time.perf_counter()
    remito_pdf(remito)
    return time.perf_counter() - inicio


async def remito_grande(pases: str, token: str, destino: str, ids: list[str]) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=pases, headers=headers, timeout=60) as client:
        inicio = time.perf_counter()
        r = await client.post("/api/v1/pases", json=_envio(ids, destino))
        envio = time.perf_counter() - inicio
        r.raise_for_status()
        pdf_url = r.json()["remito"]["pdf"]
        tiempos = []
        for _ in range(3):
            inicio = time.perf_counter()
            pdf = await client.get(pdf_url)
            tiempos.append(time.perf_counter() - inicio)
            pdf.raise_for_status()
    return {
        "expedientes": len(ids),
        "envio_s": round(envio, 3),
        "pdf_solo_dibujo_s": round(_dibujar(len(ids)), 3),
        "pdf_s": [round(t, 3) for t in tiempos],
        "pdf_mediana_s": round(statistics.median(tiempos), 3),
        "pdf_bytes": len(pdf.content),
    }


async def medir(
    args: argparse.Namespace, sis: sistema_.Sistema, infra: TestInfra
) -> dict[str, Any]:
    token, destino = await _login(sis.url("auth"))
    cantidad = int(args.por_segundo * args.segundos)
    ids = await sembrar(sis.url("expedientes"), token, cantidad + args.remito)
    await _custodia_en_pases(_dsn(infra, "pases"), ids)
    carga, grande = ids[:cantidad], ids[cantidad:]
    dsns = {s: _dsn(infra, s) for s in TRIGGERS}
    await _en_calma(dsns, ids)
    amqp = infra.amqp_vhost("bench")
    medidos = {pid: n for pid, n in sis.raices.items() if n.startswith(("pases", "expedientes"))}
    medidor = cpu.Medidor(cpu.Grupos(medidos))
    perfilador = None
    if args.perfil is not None and (ejecutable := perfil.py_spy()) is not None:
        perfilador = perfil.Perfilador(args.perfil, medidos, ejecutable)
        perfilador.empezar("propagacion", args.segundos)
    with Oyente(dsns, amqp) as oyente:
        medidor.empezar()
        resultado: dict[str, Any] = {
            "propagacion": await propagacion(
                sis.url("pases"), token, destino, carga, args.por_segundo, oyente
            )
        }
        segundos_cpu = medidor.terminar()
    if perfilador is not None:
        resultado["perfil"] = str(perfilador.terminar("propagacion"))
    resultado["cpu_ms_por_pase"] = {
        grupo: round(1000 * segundos / max(1, len(carga)), 2)
        for grupo, segundos in sorted(segundos_cpu.items())
    }
    resultado["etapas"] = await etapas(dsns, carga, oyente)
    crudo = min(args.segundos, 20)
    resultado["rabbitmq_crudo"] = await rabbitmq_crudo(amqp, args.por_segundo, crudo)
    resultado["rabbitmq_crudo_quorum_confirmado"] = await rabbitmq_crudo(
        amqp, args.por_segundo, crudo, quorum=True
    )
    resultado["remito"] = await remito_grande(sis.url("pases"), token, destino, grande)
    return resultado


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--por-segundo", type=float, default=100.0)
    parser.add_argument("--segundos", type=float, default=60.0)
    parser.add_argument("--remito", type=int, default=200)
    parser.add_argument("--breve", action="store_true")
    parser.add_argument(
        "--salida", type=Path, help="the figures as rows (resumen.py) here too, this JSON in it"
    )
    parser.add_argument(
        "--perfil", type=Path, help="py-spy every pases and expedientes process into this folder"
    )
    parser.add_argument(
        "--mensajeria-dentro",
        action="store_true",
        help="relay and consumers inside the HTTP process (as `serve` with one worker runs)",
    )
    args = parser.parse_args()
    if args.breve:
        args.por_segundo, args.segundos, args.remito = 20.0, 5.0, 50
    carga_antes = os.getloadavg()
    with ExitStack() as stack:
        infra = local_infra(stack)
        print("arrancando el sistema...", file=sys.stderr)
        aparte = () if args.mensajeria_dentro else ("pases", "expedientes")
        sis = sistema_.arrancar(stack, infra, aparte)
        resultado = asyncio.run(medir(args, sis, infra))
        resultado["errores_en_logs"] = sistema_.errores(sis)
    resultado["carga_maquina"] = {"antes": carga_antes, "despues": os.getloadavg()}
    resultado["objetivos"] = {
        "propagacion_p99_ms": 100,
        "pdf_remito_200_s": 1.0,
        "envio_200_s": 2.0,
    }
    texto = json.dumps(resultado, indent=2, ensure_ascii=False)
    print(texto)
    if args.salida:
        import resumen

        resumen.escribir(args.salida, "propagacion_pases.py", filas(resultado), detalle=resultado)


def filas(resultado: dict[str, Any]) -> list[dict[str, Any]]:
    """The figures of issue 11 as rows: propagation next to raw RabbitMQ, the remito's."""
    import resumen

    prop, crudo, remito = (resultado[k] for k in ("propagacion", "rabbitmq_crudo", "remito"))
    etiqueta = f"pase → RECEPCION_PENDIENTE a {prop['pases_por_segundo']:.0f}/s, p99"
    return [
        resumen.fila(
            "pases_propagacion_p99",
            etiqueta,
            prop["p99_ms"],
            "ms",
            base=crudo["p99_ms"],
            base_etiqueta="RabbitMQ crudo publicar→consumir, p99",
            objetivo="p99 < 100 ms",
            meta=("<", 100.0),
            p99_ms=prop["p99_ms"],
            pasa=prop["p99_ms"] < 100 and prop["sin_propagar"] == 0 and not prop["errores_http"],
        ),
        resumen.fila(
            "pases_remito_pdf",
            f"PDF de un remito de {remito['expedientes']} expedientes (mediana)",
            remito["pdf_mediana_s"],
            "s",
            base=remito["pdf_solo_dibujo_s"],
            base_etiqueta="solo dibujarlo, sin HTTP",
            objetivo="< 1 s",
            meta=("<", 1.0),
        ),
        resumen.fila(
            "pases_envio_remito",
            f"envío de {remito['expedientes']} expedientes en una llamada",
            remito["envio_s"],
            "s",
            objetivo="< 2 s",
            meta=("<", 2.0),
        ),
    ]


if __name__ == "__main__":
    main()
