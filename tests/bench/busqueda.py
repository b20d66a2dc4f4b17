"""`make bench-busqueda`: search at a million expedientes (issue 10), through the service's HTTP
API, next to the same SQL run directly in the same run.

1. brings up the database (`--dsn`, default `sigexp_bench_busqueda`, kept between runs): when it
   does not hold `--filas` expedientes (or with `--generar`) `generar_expedientes.py` loads them;
2. starts the expedientes service alone on a free port over it (a JWKS of test keys, a broker
   vhost of its own for its audit records);
3. for each scenario — an exact referencia, a filtered page (estado + anio), the next page by
   cursor, a one-word and a two-word `q`, the consulta global by a word (and, beyond the
   issue's, a referencia's number alone) — as a desk's clerk
   (MESA_ENTRADA) and as AUTORIDAD (every organismo): wrk with `--conexiones` (8) for
   `--segundos`, then the very statements the service sent for those requests (captured from
   the service's own code with SQLAlchemy, replayed with asyncpg from as many connections);
4. prints one table — HTTP req/s, p50, p99, SQL p50, p99, the target (p99 < 50 ms), the CPU
   the service (all its processes) and PostgreSQL's backends of this database spent per
   answered request, and the machine's load after each scenario — and the EXPLAIN ANALYZE of
   the slowest scenario's statements.

`--workers N` runs the service with N HTTP processes (and its relay and consumers in one process
beside them, as `serve` does); `--perfil DIR` records the service with py-spy during each
scenario (`perfil.py`'s summary in `DIR/<scenario>/resumen.txt`); `--escenarios` and
`--perfiles` pick a few.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import asyncpg
import bases
import carga
import cpu
import httpx
import perfil as perfil_
from generar_expedientes import generar

from sigexp_testing.infra import free_port, local_infra, wait_until_ready
from sigexp_testing.tokens import TokenFactory, jwks_server

ROOT = Path(__file__).resolve().parents[2]
OBJETIVO_MS = 50.0
PALABRAS = ("licitación", "ambulancias", "computadoras", "hospital", "combustible", "gallegos")
PARES = (
    "licitación ambulancias",
    "compra computadoras",
    "hospital combustible",
    "solicitud insumos",
    "licitaciones caleta",
)


@dataclass
class Escenario:
    clave: str
    perfil: str
    rutas: list[str]
    http: carga.Resultado | None = None
    cpu_ms: dict[str, float] = field(default_factory=dict)  # CPU ms per answered request
    carga: float = 0.0  # the machine's 1-minute load average after the HTTP run
    sql: dict[str, float] = field(default_factory=dict)
    sentencias: list[list[tuple[str, tuple[Any, ...]]]] = field(default_factory=list)


def _dsn_asyncpg(dsn: str) -> str:
    return dsn.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _asegurar_datos(dsn: str, filas: int, forzar: bool) -> dict[str, Any] | None:
    conn = await asyncpg.connect(_dsn_asyncpg(dsn))
    try:
        # Two statements: a table named in a statement must exist even in a branch never run.
        hay = 0
        if await conn.fetchval("SELECT to_regclass('expedientes') IS NOT NULL"):
            hay = await conn.fetchval("SELECT count(*) FROM expedientes")
    finally:
        await conn.close()
    if hay == filas and not forzar:
        return None
    return await generar(_dsn_asyncpg(dsn), filas, 300, 10, 2026)


async def _mesa_tipica(dsn: str) -> asyncpg.Record:
    """The desk whose scope is the median one, with its organismo."""
    conn = await asyncpg.connect(_dsn_asyncpg(dsn))
    try:
        return await conn.fetchrow(
            """
            WITH alcance AS (
                SELECT m, count(*) AS n FROM custodias, unnest(mesas) AS m GROUP BY m
            )
            SELECT me.id, me.organismo_id, o.codigo, a.n FROM alcance a
            JOIN mesas me ON me.id = a.m JOIN organismos o ON o.id = me.organismo_id
            ORDER BY a.n OFFSET (SELECT count(*) / 2 FROM alcance) LIMIT 1
            """
        )
    finally:
        await conn.close()


async def _referencias(dsn: str, mesa_id: uuid.UUID | None, cuantas: int) -> list[str]:
    conn = await asyncpg.connect(_dsn_asyncpg(dsn))
    try:
        rows = await conn.fetch(
            """
            SELECT e.numero, e.letras, e.anio FROM expedientes e
            JOIN custodias c ON c.expediente_id = e.id
            WHERE ($1::uuid IS NULL OR c.mesas @> ARRAY[$1::uuid]) AND e.caracter = 'PUBLICO'
            ORDER BY e.id LIMIT $2
            """,
            mesa_id,
            cuantas * 40,
        )
    finally:
        await conn.close()
    elegidas = random.Random(7).sample(list(rows), cuantas)
    return ["-".join(str(p) for p in (r["numero"], r["letras"], r["anio"]) if p) for r in elegidas]


def _rutas(base: str, consultas: list[dict[str, Any]]) -> list[str]:
    return [f"{base}?{urlencode(c)}" for c in consultas]


async def _cursores(url: str, headers: dict[str, str], rutas: list[str]) -> list[str]:
    """The next page of each of `rutas` (those that have one)."""
    siguientes = []
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as cliente:
        for ruta in rutas:
            r = await cliente.get(ruta)
            r.raise_for_status()
            cursor = r.json()["next_cursor"]
            if cursor:
                separador = "&" if "?" in ruta else "?"
                siguientes.append(f"{ruta}{separador}{urlencode({'cursor': cursor})}")
    return siguientes


def escenarios(perfil: str, referencias: list[str]) -> dict[str, list[str]]:
    filtrados = _rutas(
        "/api/v1/expedientes",
        [{"estado": e, "anio": a} for e in ("EN_TRAMITE", "ARCHIVADO") for a in range(2017, 2026)],
    )
    palabras = _rutas("/api/v1/expedientes", [{"q": p} for p in PALABRAS])
    return {
        "referencia exacta": _rutas("/api/v1/expedientes", [{"q": r} for r in referencias]),
        # Not one of the issue's: its number alone (`207`), which every tier reads as words too.
        "número de referencia solo": _rutas(
            "/api/v1/expedientes", [{"q": r.split("-")[0]} for r in referencias]
        ),
        "página filtrada (estado + año)": filtrados,
        "página siguiente por cursor": filtrados + palabras,  # their cursors, made at run time
        "q de una palabra": palabras,
        "q de dos palabras": _rutas("/api/v1/expedientes", [{"q": p} for p in PARES]),
        "consulta global por una palabra": _rutas(
            "/api/v1/consulta-global", [{"q": p} for p in PALABRAS]
        ),
    }


async def capturar(dsn: str, usuario: Any, ruta: str) -> list[tuple[str, tuple[Any, ...]]]:
    """The SELECTs the service's own use case sends for `ruta` as `usuario` (its audit record
    goes to the outbox of a transaction rolled back here): the search's statements, which it
    runs on the asyncpg connection itself, as asyncpg's query logger sees them."""
    from urllib.parse import parse_qsl, urlsplit

    from sqlalchemy import event

    from expedientes.events import PUBLICA
    from expedientes.schemas import Caracter, Estado
    from expedientes.service import consulta, consulta_global
    from sigexp_common.audit import AccesoRegistrado
    from sigexp_common.db import make_engine, make_sessionmaker

    motor = make_engine(dsn.replace("postgresql://", "postgresql+asyncpg://", 1), 1, 0)
    vistas: list[tuple[str, tuple[Any, ...]]] = []

    def anotar(consulta: Any) -> None:  # asyncpg's query logger: what the search runs itself
        # (not how common its words are: the service reads that once per text in ten minutes)
        if (
            consulta.query.lstrip().upper().startswith("SELECT")
            and "pg_stats" not in consulta.query
        ):
            vistas.append((consulta.query, tuple(consulta.args or ())))

    def escuchar(dbapi_connection: Any, *_: Any) -> None:
        dbapi_connection.driver_connection.add_query_logger(anotar)

    def sentencia(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):  # SQLAlchemy's own (an older tree)
            vistas.append((statement, tuple(parameters or ())))

    event.listen(motor.sync_engine, "connect", escuchar)
    event.listen(motor.sync_engine, "before_cursor_execute", sentencia)
    publica = [AccesoRegistrado.event_type, *(e.event_type for e in PUBLICA)]
    sesiones = make_sessionmaker(motor, "expedientes", publica)
    partes = urlsplit(ruta)
    p = dict(parse_qsl(partes.query))
    try:
        async with sesiones() as db:
            if partes.path.endswith("consulta-global"):
                await consulta_global.consultar(db, p["q"], 50, p.get("cursor"), por=usuario)
            else:
                filtros = consulta.Filtros(
                    q=p.get("q"),
                    estado=Estado(p["estado"]) if "estado" in p else None,
                    caracter=Caracter(p["caracter"]) if "caracter" in p else None,
                    anio=int(p["anio"]) if "anio" in p else None,
                    cursor=p.get("cursor"),
                )
                await consulta.buscar_expedientes(db, filtros, por=usuario)
            await db.rollback()
    finally:
        await motor.dispose()
    return vistas


async def medir_sql(
    dsn: str, pedidos: list[list[tuple[str, tuple[Any, ...]]]], segundos: float, conexiones: int
) -> dict[str, float]:
    """Each request's statements in order, from `conexiones` connections for `segundos`."""
    tiempos: list[float] = []
    fin = time.monotonic() + segundos

    async def cliente(n: int) -> None:
        conn = await asyncpg.connect(_dsn_asyncpg(dsn))
        try:
            rnd = random.Random(n)
            while time.monotonic() < fin:
                inicio = time.perf_counter()
                for sql, params in rnd.choice(pedidos):
                    await conn.fetch(sql, *params)
                tiempos.append((time.perf_counter() - inicio) * 1000)
        finally:
            await conn.close()

    await asyncio.gather(*(cliente(n) for n in range(conexiones)))
    tiempos.sort()
    return {
        "por_segundo": len(tiempos) / segundos,
        "p50_ms": tiempos[len(tiempos) // 2],
        "p99_ms": tiempos[min(len(tiempos) - 1, int(len(tiempos) * 0.99))],
    }


async def explicar(dsn: str, sentencias: list[tuple[str, tuple[Any, ...]]]) -> str:
    conn = await asyncpg.connect(_dsn_asyncpg(dsn))
    try:
        partes = []
        for sql, params in sentencias:
            filas = await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", *params)
            partes.append("\n".join(f["QUERY PLAN"] for f in filas))
        return "\n\n".join(partes)
    finally:
        await conn.close()


def _servicio(
    stack: ExitStack, dsn: str, jwks: str, amqp: str, puerto: int, workers: int
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "EXPEDIENTES_DATABASE_URL": dsn.replace("postgresql://", "postgresql+asyncpg://", 1),
        "EXPEDIENTES_AMQP_URL": amqp,
        "EXPEDIENTES_JWKS_URL": jwks,
        "EXPEDIENTES_LOG_LEVEL": "WARNING",
        "EXPEDIENTES_WORKERS": str(workers),
        "PYTHONUNBUFFERED": "1",
    }
    argv = [sys.executable, "-m", "expedientes", "serve", "--port", str(puerto)]
    proceso = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def parar() -> None:
        proceso.terminate()
        try:
            proceso.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proceso.kill()

    stack.callback(parar)
    wait_until_ready(f"http://127.0.0.1:{puerto}", proceso, timeout=120)
    return proceso


def _argumentos() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--dsn", default="postgresql://postgres@127.0.0.1:5432/sigexp_bench_busqueda"
    )
    parser.add_argument("--filas", type=int, default=1_000_000)
    parser.add_argument("--generar", action="store_true", help="load it again even if it is there")
    parser.add_argument("--segundos", type=float, default=10.0)
    parser.add_argument("--calentamiento", type=float, default=2.0)
    parser.add_argument("--conexiones", type=int, default=8)
    parser.add_argument("--perfiles", default="MESA_ENTRADA,AUTORIDAD")
    parser.add_argument(
        "--escenarios",
        default="",
        help="only those whose name holds one of these (comma-separated)",
    )
    parser.add_argument("--workers", type=int, default=1, help="the service's HTTP processes")
    parser.add_argument("--perfil", type=Path, help="py-spy the service into this folder")
    parser.add_argument("--salida", type=Path, help="the figures as rows (resumen.py) here too")
    return parser.parse_args()


def main() -> None:
    from sigexp_common.security import Perfil, Usuario

    args = _argumentos()
    wrk = carga.asegurar_wrk()
    asyncio.run(bases.crear_base(_dsn_asyncpg(args.dsn)))
    t0 = time.monotonic()
    generado = asyncio.run(_asegurar_datos(args.dsn, args.filas, args.generar))
    if generado:
        print(f"generados: {generado} (carga media 1 min: {os.getloadavg()[0]:.1f})", flush=True)
    else:
        print(f"la base ya tenía {args.filas} expedientes ({time.monotonic() - t0:.0f} s)")
    mesa = asyncio.run(_mesa_tipica(args.dsn))
    tokens = TokenFactory()
    filas: list[Escenario] = []
    with ExitStack() as stack:
        infra = local_infra(stack)
        jwks = stack.enter_context(jwks_server(tokens))
        puerto = free_port()
        servicio = _servicio(
            stack, args.dsn, jwks, infra.amqp_vhost("busqueda"), puerto, args.workers
        )
        nombre_base = _dsn_asyncpg(args.dsn).rsplit("/", 1)[1]
        grupos = cpu.Grupos({servicio.pid: "servicio"}, (nombre_base,))
        perfilador = None
        if args.perfil:
            ejecutable = perfil_.py_spy()
            assert ejecutable, "falta py-spy (.venv/bin/py-spy)"
            perfilador = perfil_.Perfilador(args.perfil, {servicio.pid: "expedientes"}, ejecutable)
        url = f"http://127.0.0.1:{puerto}"
        for perfil in args.perfiles.split(","):
            de_mesa = perfil != "AUTORIDAD"
            usuario = Usuario(
                id=uuid.uuid4(),
                usuario="banco",
                perfil=Perfil(perfil),
                organismo_id=mesa["organismo_id"],
                organismo_codigo=mesa["codigo"],
                mesa_id=mesa["id"] if de_mesa else None,
                debe_cambiar_password=False,
            )
            token = tokens.token(
                perfil,
                usuario_id=usuario.id,
                organismo_id=usuario.organismo_id,
                organismo_codigo=usuario.organismo_codigo,
                mesa_id=usuario.mesa_id,
                ttl=3600,
            )
            headers = {"Authorization": f"Bearer {token}"}
            referencias = asyncio.run(_referencias(args.dsn, mesa["id"] if de_mesa else None, 50))
            for clave, rutas in escenarios(perfil, referencias).items():
                if args.escenarios and not any(
                    e.strip() in clave for e in args.escenarios.split(",")
                ):
                    continue
                if clave.startswith("página siguiente"):
                    rutas = asyncio.run(_cursores(url, headers, rutas))
                esc = Escenario(clave, perfil, rutas)
                pedido = carga.Pedido(url, rutas, encabezados=headers)
                print(f"[{perfil}] {clave}...", file=sys.stderr, flush=True)
                if args.calentamiento:
                    carga.correr(wrk, pedido, args.calentamiento, args.conexiones)
                medidor = cpu.Medidor(grupos)
                medidor.empezar()
                if perfilador is not None:
                    perfilador.empezar(_carpeta(perfil, clave), args.segundos)
                esc.http = carga.correr(wrk, pedido, args.segundos, args.conexiones)
                gastado = medidor.terminar()
                if perfilador is not None:
                    perfilador.terminar(_carpeta(perfil, clave))
                respondidas = max(1, esc.http.requests)
                esc.cpu_ms = {g: s * 1000 / respondidas for g, s in gastado.items()}
                esc.carga = os.getloadavg()[0]
                esc.sentencias = [asyncio.run(capturar(args.dsn, usuario, r)) for r in rutas]
                esc.sql = asyncio.run(
                    medir_sql(args.dsn, esc.sentencias, args.segundos, args.conexiones)
                )
                filas.append(esc)
    _informe(filas, args, mesa)
    if args.salida:
        _salida(filas, args)


def _carpeta(perfil: str, clave: str) -> str:
    return f"{perfil}-{clave}".replace(" ", "_").replace("(", "").replace(")", "").replace("+", "y")


def _informe(filas: list[Escenario], args: argparse.Namespace, mesa: asyncpg.Record) -> None:
    print(
        f"\n{args.filas} expedientes; mesa típica con {mesa['n']} en su alcance; "
        f"{args.conexiones} clientes, {args.segundos:.0f} s cada uno; "
        f"carga media 1 min al terminar: {os.getloadavg()[0]:.1f} ({os.cpu_count()} núcleos)\n"
    )
    cabeza = (
        f"{'escenario':34} {'perfil':12} {'HTTP/s':>7} {'p50':>6} {'p99':>7} "
        f"{'SQL/s':>7} {'p50':>6} {'p99':>7} {'HTTP/SQL p99':>12} {'CPU srv':>7} {'CPU pg':>6} "
        f"{'carga':>5}  objetivo p99<50ms"
    )
    print(cabeza)
    print("-" * len(cabeza))
    for f in filas:
        assert f.http is not None
        otros = {s: n for s, n in f.http.estados.items() if not s.startswith("2")}
        veredicto = "CUMPLE" if f.http.p99_ms < OBJETIVO_MS and not otros else "NO CUMPLE"
        print(
            f"{f.clave:34} {f.perfil:12} {f.http.por_segundo:7.0f} {f.http.p50_ms:6.1f} "
            f"{f.http.p99_ms:7.1f} {f.sql['por_segundo']:7.0f} {f.sql['p50_ms']:6.1f} "
            f"{f.sql['p99_ms']:7.1f} {f.http.p99_ms / max(f.sql['p99_ms'], 0.01):12.1f} "
            f"{f.cpu_ms.get('servicio', 0):7.2f} {f.cpu_ms.get('postgres', 0):6.2f} "
            f"{f.carga:5.1f}  {veredicto}{' ' + str(otros) if otros else ''}"
        )
    peor = max(filas, key=lambda f: f.http.p99_ms if f.http else 0)
    print(
        "\n(p50/p99 en ms; CPU srv / CPU pg: ms de CPU del servicio y de los backends de esta "
        "base por pedido HTTP respondido; carga: media de 1 min al terminar su carga HTTP)"
    )
    muestra = max(peor.sentencias, key=len)
    print(f"\nEXPLAIN ANALYZE del más lento ({peor.clave}, {peor.perfil}), un pedido:\n")
    print(asyncio.run(explicar(args.dsn, muestra)))


def _salida(filas: list[Escenario], args: argparse.Namespace) -> None:
    """Each scenario's HTTP p99 (target) next to the same SQL's p99 in the same run."""
    import resumen

    salida = []
    for f in filas:
        assert f.http is not None
        otros = {s: n for s, n in f.http.estados.items() if not s.startswith("2")}
        salida.append(
            resumen.fila(
                f"busqueda/{f.perfil}/{f.clave}",
                f"búsqueda a {args.filas:,} expedientes: {f.clave} ({f.perfil}), p99".replace(
                    ",", "."
                ),
                f.http.p99_ms,
                "ms",
                base=f.sql["p99_ms"],
                base_etiqueta="el mismo SQL directo, p99",
                objetivo=f"p99 < {OBJETIVO_MS} ms a {args.conexiones} clientes",
                pasa=f.http.p99_ms < OBJETIVO_MS and not otros,
                p99_ms=f.http.p99_ms,
            )
        )
    resumen.escribir(args.salida, "busqueda.py", salida)


if __name__ == "__main__":
    main()
