"""`make bench`: SIGEXP's read path against ceilings measured in the same run (issue 8).

Starts the whole system on free local ports (or uses a running one: --gateway, --auth,
--expedientes), seeds expedientes through the API, measures the ceilings (hello-world FastAPI,
one pooled asyncpg SELECT by id, raw asyncpg INSERTs) and then the project's routes with wrk at
a fixed number of connections, and prints one table: figure, ceiling, ratio, target,
pass/fail, machine-wide CPU per request (every SIGEXP process, this run's PostgreSQL backends
and PostgreSQL's and RabbitMQ's own, from /proc), p99. Writes bench/results/<date>.json.

Load goes only to 127.0.0.1; every run is bounded (`--segundos` per scenario). `--breve` is the
few-seconds mode the test suite runs to keep the harness working.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from contextlib import ExitStack
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import carga
import completo
import cpu
import httpx
import informe
import mezcla
import opciones
import perfil
import resumen
import sistema as sistema_
import techos
from escenarios import Contexto, Escenario, escenarios
from progreso import Progreso

from sigexp_testing.infra import free_port, local_infra, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
USUARIO = opciones.USUARIO
# The ceiling apps and the scenarios that load them.
USOS = {"techo_hola": ("techo_hola", "techo_hola_64"), "techo_lectura": ("techo_lectura",)}


async def _token(gateway: str, usuario: tuple[str, str]) -> str:
    async with httpx.AsyncClient(base_url=gateway, timeout=30) as client:
        r = await client.post(
            "/api/v1/auth/login", json={"usuario": usuario[0], "password": usuario[1]}
        )
        r.raise_for_status()
        return str(r.json()["access_token"])


async def sembrar(expedientes: str, gateway: str, token: str, cuantos: int) -> list[str]:
    """`cuantos` altas straight at expedientes, 16 at a time, each client in a series of its own
    (`letras`: altas of one series take turns on its number); then waits until pases has heard
    of the last one."""
    headers = {"Authorization": f"Bearer {token}"}
    ids: list[str] = []
    pendientes = iter(range(cuantos))

    async def cliente(client: httpx.AsyncClient, letras: str) -> None:
        for n in pendientes:
            datos = {"extracto": f"Expediente sembrado {n}", "letras": letras, "fojas": 2}
            r = await client.post("/api/v1/expedientes", json=datos)
            intentos = 0
            # 409 + Retry-After: the catalogue is on its way; 503: a service shedding load on
            # a saturated machine (its pool's wait ran out). Both end: the alta is retried.
            while (r.status_code == 409 and "retry-after" in r.headers) or (
                r.status_code == 503 and intentos < 30
            ):
                intentos += 1
                await asyncio.sleep(float(r.headers.get("retry-after", 1)))
                r = await client.post("/api/v1/expedientes", json=datos)
            r.raise_for_status()
            ids.append(str(r.json()["id"]))

    async with httpx.AsyncClient(base_url=expedientes, headers=headers, timeout=60) as client:
        await asyncio.gather(*(cliente(client, "BENCH" + chr(65 + i)) for i in range(16)))
    async with httpx.AsyncClient(base_url=gateway, headers=headers, timeout=30) as client:
        limite = time.monotonic() + 60
        while time.monotonic() < limite:
            r = await client.get(f"/api/v1/expedientes/{ids[-1]}")
            # pases has heard of it (archivos answers the composed view on its own terms)
            if r.status_code == 200 and "pases" not in r.json().get("incompletos", []):
                break
            await asyncio.sleep(0.5)
    return ids


def _commit() -> str:
    hecho = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return hecho.stdout.strip()


def _techo(argv: list[str], raices: dict[int, str], stack: ExitStack) -> subprocess.Popen[bytes]:
    proceso = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("techos.py")), *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    raices[proceso.pid] = "techo"
    stack.callback(sistema_.parar, proceso)
    return proceso


def medir(
    escenario: Escenario,
    ctx: Contexto,
    progreso: Progreso,
    perfilador: perfil.Perfilador | None = None,
) -> informe.Medida:
    """Warm up, measure the load and then the quiet after it (the audit of the last requests is
    relayed and chained: part of their cost), less what others made the shared servers spend.
    With a `perfilador`, py-spy samples every SIGEXP process while the load runs."""
    args = ctx.args
    conexiones = escenario.conexiones or args.conexiones
    reposo = cpu.medir_reposo(ctx.grupos, args.reposo, cpu.COMPARTIDOS)
    if escenario.pedido is not None and args.calentamiento > 0:
        carga.correr(ctx.wrk, escenario.pedido, args.calentamiento, conexiones)
        # The requests still in flight when wrk stopped are not this run's: let them finish.
        cpu.esperar_calma(ctx.grupos, 0.05, args.calma_max)
    medidor = cpu.Medidor(ctx.grupos)
    inicio = time.monotonic()
    medidor.empezar()
    if perfilador is not None:
        perfilador.empezar(escenario.clave, args.segundos)
    if escenario.pedido is not None:
        r = carga.correr(
            ctx.wrk, escenario.pedido, args.segundos, conexiones, progreso=progreso.carga
        )
        total, exitosas, estados, socket_ = r.requests, r.exitosas, r.estados, r.errores_socket
        segundos, p50, p99 = r.segundos, r.p50_ms, r.p99_ms
    else:
        hecho = escenario.insercion(args.segundos)
        total = exitosas = int(hecho["filas"])
        segundos, estados, socket_, p50, p99 = hecho["segundos"], {}, 0, None, None
    calma = cpu.esperar_calma(ctx.grupos, 0.05, args.calma_max)
    gastado = medidor.terminar()
    if perfilador is not None:
        perfilador.terminar(escenario.clave)
    transcurrido = time.monotonic() - inicio
    descontado = {g: reposo[g] * transcurrido for g in cpu.COMPARTIDOS if g in gastado}
    suma = sum(
        max(0.0, v - descontado.get(g, 0.0)) for g, v in gastado.items() if g in escenario.grupos
    )
    return informe.Medida(
        clave=escenario.clave,
        etiqueta=escenario.etiqueta,
        unidad=escenario.unidad,
        por_segundo=exitosas / segundos if segundos else 0.0,
        total=total,
        exitosas=exitosas,
        estados=estados,
        errores_socket=socket_,
        segundos=segundos,
        p50_ms=p50,
        p99_ms=p99,
        cpu_ms=suma * 1000 / exitosas if exitosas else 0.0,
        cpu_s_por_grupo=gastado,
        reposo_descontado_s=descontado,
        calma_s=calma,
    )


def _partes(solo: str | None, breve: bool) -> set[str]:
    """The parts `--solo` names (a scenario's key stands for "lectura"); by default all of
    them, and in `--breve` the ones of this process only (the per-issue benches start systems
    of their own: minutes each)."""
    if not solo:
        return {"lectura", "mezcla", "rabbitmq"} if breve else set(completo.PARTES)
    nombres = set(solo.split(","))
    partes = nombres & set(completo.PARTES)
    if nombres - partes:
        partes.add("lectura")
    return partes


def _elegidos(lista: list[Escenario], solo: str | None) -> list[Escenario]:
    """The scenarios `--solo` names, with the ceilings of their targets, in the run's order
    (all of them when it names none, only parts)."""
    claves = set((solo or "").split(",")) - set(completo.PARTES) - {""}
    if not claves:
        return lista
    desconocidas = claves - {e.clave for e in lista}
    if desconocidas:
        raise SystemExit(f"--solo: escenarios desconocidos {sorted(desconocidas)}")
    claves |= {o.techo for o in informe.OBJETIVOS if o.clave in claves and o.techo}
    if "alta_gateway" in claves:
        claves.add("techo_numerada")
    return [e for e in lista if e.clave in claves]


def _perfilador(carpeta: Path | None, raices: dict[int, str]) -> perfil.Perfilador | None:
    if carpeta is None:
        return None
    ejecutable = perfil.py_spy()
    if ejecutable is None:
        raise SystemExit("--perfil necesita py-spy (make bootstrap lo instala del grupo dev)")
    return perfil.Perfilador(carpeta, dict(raices), ejecutable)


def main() -> None:
    args = opciones.argumentos(__doc__ or "")
    progreso = Progreso()
    wrk = carga.asegurar_wrk()
    fecha = datetime.now(UTC)
    with ExitStack() as stack:
        infra = local_infra(stack)
        dsn = infra.database_url("bench_techo").replace("postgresql+asyncpg://", "postgresql://")
        filas_techo = asyncio.run(techos.preparar(dsn, args.expedientes))
        raices: dict[int, str] = {}
        if args.url:
            progreso.fase("sistema existente")
            urls = dict(u.split("=", 1) for u in args.url)
            sis = sistema_.existente(urls, tuple(args.bases.split(",")) if args.bases else ())
        else:
            progreso.fase("arrancando el sistema")
            sis = sistema_.arrancar(stack, infra)
        raices.update(sis.raices)
        # The ceilings start once the services hold their ports (free_port only finds a port
        # free now), and come up while the seeding runs.
        puertos = {"hola": free_port(), "lectura": free_port()}
        lectura = ["lectura", "--port", str(puertos["lectura"]), "--dsn", dsn]
        apps = {
            "techo_hola": _techo(["hola", "--port", str(puertos["hola"])], raices, stack),
            "techo_lectura": _techo(lectura, raices, stack),
        }
        bases = (*sis.bases, *infra.databases) if sis.bases or not args.url else ()
        broker = cpu.escuchando(urlsplit(infra.amqp_url).port or 5672)
        grupos = cpu.Grupos(raices, bases, rabbitmq=broker)
        progreso.fase(f"sembrando {args.expedientes} expedientes")
        token = asyncio.run(_token(sis.url("gateway"), (args.usuario, args.password)))
        ids = asyncio.run(
            sembrar(sis.url("expedientes"), sis.url("gateway"), token, args.expedientes)
        )
        for clave, puerto in zip(apps, puertos.values(), strict=True):
            wait_for_port("127.0.0.1", puerto, timeout=60)
            if apps[clave].poll() is not None:
                raise RuntimeError(f"{clave} terminó al arrancar: {apps[clave].stderr}")
        progreso.fase("esperando que se asiente la siembra")  # audit of the altas, events
        cpu.esperar_calma(grupos, 0.05, 3 * args.calma_max)
        ctx = Contexto(args, wrk, grupos, sis, token, ids, filas_techo, puertos, dsn, raices)
        medidas: dict[str, informe.Medida] = {}
        partes = _partes(args.solo, args.breve)
        lista = _elegidos(escenarios(ctx), args.solo) if "lectura" in partes else []
        perfilador = _perfilador(args.perfil, sis.raices)
        for n, escenario in enumerate(lista, 1):
            progreso.fase(f"[{n}/{len(lista)}] {escenario.etiqueta}")
            medidas[escenario.clave] = medir(escenario, ctx, progreso, perfilador)
            # A ceiling app stops after its last scenario (the lectura's database connections
            # are wanted by the next ones).
            for app, claves in USOS.items():
                if app in apps and not any(e.clave in claves for e in lista[n:]):
                    sistema_.parar(apps.pop(app))
        niveles: list[dict[str, Any]] = []
        if "mezcla" in partes:
            tokens, mesas = asyncio.run(
                mezcla.preparar(sis.url("gateway"), (completo.CAP, completo.SGG))
            )
            mixta = mezcla.Mezcla(sis.url("gateway"), tokens, mesas, ids)
            escalones = [int(n) for n in args.niveles.split(",")]
            niveles = completo.barrido(mixta, escalones, args.segundos, grupos, progreso.fase)
        filas = completo.filas_lectura(medidas)
        filas += completo.filas_mezcla(niveles, medidas.get("techo_hola"))
        if "rabbitmq" in partes:
            progreso.fase("RabbitMQ crudo publicar→consumir")
            filas += completo.rabbitmq(infra.amqp_vhost("bench"), 200, min(args.segundos, 10))
        errores = sistema_.errores(sis)
        progreso.fase("parando el sistema")
    avisos = informe.avisos(medidas)
    avisos += [
        f"carga mixta a {n['conexiones']} conexiones: estados {n['estados']}"
        for n in niveles
        if n["exitosos"] < n["pedidos"]
    ]
    partes_issue = {p for p in partes if p not in ("lectura", "mezcla", "rabbitmq")}
    if args.sin_siembra and "busqueda" in partes_issue and not completo.busqueda_sembrada():
        partes_issue.discard("busqueda")
        avisos.append("--sin-siembra: busqueda.py no corrió (su base no tiene 1M expedientes)")
    if args.sin_siembra and "escala" in partes_issue and not completo.escala_sembrada():
        partes_issue.discard("escala")
        avisos.append("--sin-siembra: escala.py no corrió (sin 3M pases ni 100k archivos)")
    siembra: dict[str, Any] = {}
    if partes_issue and not (args.sin_siembra or args.breve):
        siembra = completo.sembrar(progreso.fase)
    documentos = completo.por_issue(partes_issue, args.breve, progreso.fase, avisos)
    for documento in documentos.values():
        filas += [{**f, "script": documento["script"]} for f in documento["filas"]]
    progreso.fin()
    condiciones: dict[str, Any] = {
        "fecha": fecha.isoformat(),
        "commit": _commit(),
        "nucleos": os.cpu_count(),
        "carga_media_1m_al_terminar": os.getloadavg()[0],
        "segundos_por_escenario": args.segundos,
        "conexiones": args.conexiones,
        "hilos_wrk": 1,
        "expedientes_sembrados": len(ids),
        "fases_s": progreso.fases,
        "errores_en_registros": errores,
        "sistema": "existente" if args.url else "arrancado por el banco",
        "cpu": "utime+stime de /proc: procesos SIGEXP (y sus hijos), backends PostgreSQL de "
        "las bases de esta corrida, procesos propios de PostgreSQL y RabbitMQ (menos su "
        "consumo en reposo medido antes de cada escenario); no cuenta wrk",
    }
    condiciones["niveles_mezcla"] = args.niveles
    condiciones["siembra"] = (
        siembra or "no sembró (--sin-siembra, --breve o sin partes que la usen)"
    )
    documento = {
        **resumen.documento("bench.py", filas),
        "condiciones": condiciones,
        "escenarios": {clave: asdict(m) for clave, m in medidas.items()},
        "mezcla": niveles,
        "por_issue": documentos,
        "avisos": avisos + [f"{s} registró errores: {ls[0][:200]}" for s, ls in errores.items()],
    }
    destinos = completo.escribir(
        args.salida, fecha.strftime("%Y-%m-%dT%H%M%SZ"), documento, niveles
    )
    destino = destinos["json"]
    print(informe.tabla(informe.filas(medidas)))
    print()
    print(resumen.markdown(filas))
    for aviso in avisos:
        print(aviso)
    for servicio, lineas in errores.items():
        print(f"aviso: {servicio} registró errores (en el JSON): {lineas[0][:200]}")
    print(f"resultados: {destino}")


if __name__ == "__main__":
    main()
