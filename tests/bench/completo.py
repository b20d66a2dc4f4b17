"""The parts of `make bench` beyond the read path's scenarios (issue 18): the mixed workload's
concurrency sweep, the raw RabbitMQ baseline, the per-issue benches run as subprocesses with
`--salida` (their rows merged), and the report's files: JSON, Markdown table and PNG."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import bases
import cpu
import grafico
import informe
import mezcla
import resumen

AQUI = Path(__file__).resolve().parent
BUSQUEDA_DSN = "postgresql://postgres@127.0.0.1:5432/sigexp_bench_busqueda"
# (part, script, its arguments in a full run, in a --breve one)
POR_ISSUE: tuple[tuple[str, str, list[str], list[str]], ...] = (
    # A brief run has a small database of its own: the 1M one is kept between runs.
    (
        "busqueda",
        "busqueda.py",
        [],
        ["--dsn", BUSQUEDA_DSN + "_breve", "--filas", "20000", "--segundos", "1"],
    ),
    ("pases", "propagacion_pases.py", [], ["--breve"]),
    ("archivos", "subidas.py", [], ["--archivos", "1", "--mb", "2", "--grande-mb", "20"]),
    ("ocr", "ocr.py", [], ["--paginas", "4"]),
    ("gateway", "transferencias.py", [], ["--mb", "20", "--rondas", "1", "--archivos", "1"]),
    ("auditoria", "auditoria.py", [], ["--registros", "2000", "--verificar", "20000"]),
    # Reads at the seeded scale (3M pases, 100k archivos): after the seeding.
    ("escala", "escala.py", [], ["--segundos", "1", "--calentamiento", "0"]),
)
PARTES = ("lectura", "mezcla", "rabbitmq", *(p for p, *_ in POR_ISSUE))
CAP = ("mesa.cap", "Demo-Sigexp-2026")  # auth's demo clerks (services/auth demo.py)
SGG = ("mesa.sgg", "Demo-Sigexp-2026")


def busqueda_sembrada(filas: int = 1_000_000) -> bool:
    """Whether busqueda.py's database already holds its million expedientes."""

    async def contar() -> bool:
        try:
            conn = await asyncpg.connect(BUSQUEDA_DSN)
        except asyncpg.InvalidCatalogNameError:
            return False
        try:
            if not await conn.fetchval("SELECT to_regclass('expedientes') IS NOT NULL"):
                return False
            return bool(await conn.fetchval("SELECT count(*) FROM expedientes") == filas)
        finally:
            await conn.close()

    return asyncio.run(contar())


def sembrar(fase: Callable[[str], None]) -> dict[str, Any]:
    """The data at the issue's scale, in databases kept between runs (each load marks itself
    done: a second run does not load again): 1M expedientes (generar_expedientes.py, in
    busqueda.py's database), 3M pases and 100k archivo rows over them (generar_pases.py,
    generar_archivos.py)."""
    hecho: dict[str, Any] = {}
    if not busqueda_sembrada():
        fase("sembrando 1.000.000 expedientes (COPY)")
        asyncio.run(bases.crear_base(BUSQUEDA_DSN))
        hecho["expedientes"] = _script("generar_expedientes.py", "--dsn", BUSQUEDA_DSN)
    fase("sembrando 3.000.000 pases (COPY; ya sembrados: nada)")
    hecho["pases"] = _script("generar_pases.py", "--origen", BUSQUEDA_DSN)
    fase("sembrando 100.000 archivos (COPY; ya sembrados: nada)")
    hecho["archivos"] = _script("generar_archivos.py", "--origen", BUSQUEDA_DSN)
    return hecho


def _script(nombre: str, *argv: str) -> Any:
    hecho = subprocess.run(
        [sys.executable, str(AQUI / nombre), *argv], capture_output=True, text=True, timeout=3600
    )
    if hecho.returncode != 0:
        raise RuntimeError(f"{nombre}: {(hecho.stdout + hecho.stderr)[-2000:]}")
    return json.loads(hecho.stdout.strip().splitlines()[-1])


def escala_sembrada() -> bool:
    """Whether the pases and archivos databases hold their marked loads."""

    async def marcada(base: str, clave: str) -> bool:
        try:
            conn = await asyncpg.connect(BUSQUEDA_DSN.rsplit("/", 1)[0] + "/" + base)
        except asyncpg.InvalidCatalogNameError:
            return False
        try:
            if not await conn.fetchval("SELECT to_regclass('bench_siembra') IS NOT NULL"):
                return False
            sql = "SELECT count(*) FROM bench_siembra WHERE clave = $1"
            return bool(await conn.fetchval(sql, clave))
        finally:
            await conn.close()

    async def ambas() -> bool:
        pases = await marcada("sigexp_bench_pases", "pases")
        return pases and await marcada("sigexp_bench_archivos", "archivos")

    return asyncio.run(ambas())


def filas_lectura(medidas: dict[str, informe.Medida]) -> list[dict[str, Any]]:
    """The read path's scenarios and issue 8/14's targets as rows of the common format."""
    filas = [
        resumen.fila(m.clave, m.etiqueta, m.por_segundo, m.unidad, p99_ms=m.p99_ms)
        for m in medidas.values()
    ]
    for o in informe.OBJETIVOS:
        if o.clave not in medidas or (o.techo is not None and o.techo not in medidas):
            continue
        m = medidas[o.clave]
        valor = float(getattr(m, o.magnitud))
        techo = medidas[o.techo] if o.techo else None
        filas.append(
            resumen.fila(
                f"{o.clave}/{o.magnitud}",
                o.cifra,
                valor,
                {"por_segundo": m.unidad, "cpu_ms": "ms CPU", "p99_ms": "ms"}[o.magnitud],
                base=techo.por_segundo if techo else None,
                base_etiqueta=techo.etiqueta if techo else None,
                objetivo=o.texto,
                meta=(o.comparacion, o.meta),
                pasa=False if m.exitosas == 0 else None,  # nothing answered: no figure
                sobre_ratio=techo is not None,
                p99_ms=m.p99_ms,
            )
        )
    return filas


def barrido(
    carga_mixta: mezcla.Mezcla,
    niveles: list[int],
    segundos: float,
    grupos: cpu.Grupos,
    fase: Callable[[str], None],
) -> list[dict[str, Any]]:
    """The mixed workload at each concurrency level, with machine-wide CPU per request."""
    resultado = []
    for n in niveles:
        fase(f"carga mixta por gateway, {n} conexiones")
        medidor = cpu.Medidor(grupos)
        medidor.empezar()
        inicio = time.monotonic()
        pedidos = asyncio.run(carga_mixta.cerrado(n, segundos))
        transcurrido = time.monotonic() - inicio
        gastado = medidor.terminar()
        hecho = mezcla.resumen(pedidos, transcurrido)
        hecho["conexiones"] = n
        hecho["cpu_ms"] = sum(gastado.values()) * 1000 / max(1, hecho["exitosos"])
        resultado.append(hecho)
    return resultado


def filas_mezcla(
    niveles: list[dict[str, Any]], hola: informe.Medida | None
) -> list[dict[str, Any]]:
    return [
        resumen.fila(
            f"mezcla_{n['conexiones']}",
            f"carga mixta 70/20/10 por gateway, {n['conexiones']} conexiones",
            n["por_segundo"],
            "pedidos/s",
            base=hola.por_segundo if hola else None,
            base_etiqueta=hola.etiqueta if hola else None,
            p99_ms=n["p99_ms"],
        )
        for n in niveles
    ]


def rabbitmq(amqp: str, por_segundo: float, segundos: float) -> list[dict[str, Any]]:
    """Raw publish→consume on the run's broker: the floor every propagation stands on."""
    from propagacion_pases import rabbitmq_crudo

    hecho = asyncio.run(rabbitmq_crudo(amqp, por_segundo, segundos))
    return [
        resumen.fila(
            "rabbitmq_crudo",
            f"RabbitMQ crudo publicar→consumir a {por_segundo:.0f}/s, p50",
            hecho["p50_ms"],
            "ms",
            p99_ms=hecho["p99_ms"],
        )
    ]


def por_issue(
    partes: set[str], breve: bool, fase: Callable[[str], None], avisos: list[str]
) -> dict[str, dict[str, Any]]:
    """Each per-issue bench in a subprocess of its own (each starts what it measures), its
    `--salida` read back; a bench that fails is named in `avisos`, the others still run."""
    documentos: dict[str, dict[str, Any]] = {}
    elegidos = [b for b in POR_ISSUE if b[0] in partes]
    with tempfile.TemporaryDirectory(prefix="sigexp-bench-partes-") as carpeta:
        for n, (parte, script, completo_, breve_) in enumerate(elegidos, 1):
            fase(f"[{n}/{len(elegidos)}] {script}")
            salida = Path(carpeta) / f"{parte}.json"
            argv = [sys.executable, str(AQUI / script), *(breve_ if breve else completo_)]
            hecho = subprocess.run(
                [*argv, "--salida", str(salida)],
                capture_output=True,
                text=True,
                timeout=3600,
            )
            if not salida.exists():
                cola = (hecho.stdout + hecho.stderr)[-800:].strip()
                avisos.append(f"{script} terminó con {hecho.returncode} sin cifras: {cola}")
                continue
            if hecho.returncode != 0:  # its figures are in, some target missed
                avisos.append(
                    f"{script} terminó con {hecho.returncode} (un objetivo no se cumplió)"
                )
            documentos[parte] = resumen.leer(salida)
    return documentos


def escribir(
    carpeta: Path, nombre: str, documento: dict[str, Any], niveles: list[dict[str, Any]]
) -> dict[str, Path]:
    """bench/results/<date>.json, .md (the table) and .png (p50/p99 against concurrency)."""
    carpeta.mkdir(parents=True, exist_ok=True)
    destinos = {e: carpeta / f"{nombre}.{e}" for e in ("json", "md", "png")}
    destinos["json"].write_text(json.dumps(documento, indent=2, ensure_ascii=False) + "\n")
    carga = ", ".join(f"{c:.1f}" for c in documento["carga"])
    cabeza = (
        f"# make bench {documento['fecha']}\n\ncommit {documento['condiciones']['commit']}, "
        f"{documento['nucleos']} núcleos, carga media (1/5/15 min) al terminar: {carga}\n\n"
    )
    notas = "".join(f"- {a}\n" for a in documento.get("avisos", []))
    texto = cabeza + resumen.markdown(documento["filas"])
    destinos["md"].write_text(texto + ("\n## Avisos\n\n" + notas if notas else ""))
    series = {
        "p50 (ms)": [(n["conexiones"], n["p50_ms"] or 0.0) for n in niveles],
        "p99 (ms)": [(n["conexiones"], n["p99_ms"] or 0.0) for n in niveles],
    }
    grafico.lineas(
        destinos["png"],
        "Carga mixta por gateway (70% lecturas, 20% pases, 10% altas)",
        "conexiones concurrentes",
        "latencia (ms)",
        series,
        x_logaritmico=True,
    )
    return destinos
