"""Archivo rows at scale for `make bench` (issue 18: 100,000), with COPY, attached to the
expedientes that generar_expedientes.py loaded (busqueda.py's database).

`python tests/bench/generar_archivos.py --origen DSN --dsn DSN`: brings the target database to
archivos' migrations and writes `--archivos` archivos (100,000), 1 to 4 per expediente, over
the first expedientes of the origin by id, each with one version already processed (LISTO,
its pages counted), and archivos' copies of those expedientes and of their custody (the
origin's rows: the access rules read them).

The objects are not uploaded: every version names an object key of the service's form that
does not exist in S3 (listing and metadata read the database only; a download of one of them
answers that the object is missing). A row in `bench_siembra` marks the load done: run again,
it returns at once (`--generar` loads again). Prints one JSON line with the timings.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
from bases import crear_base
from generar_pases import esquema_nuevo, marcar, secundarios, sembrada

ROOT = Path(__file__).resolve().parents[2]
MIGRACIONES = ROOT / "services" / "archivos" / "src" / "archivos" / "migrations"
TIPOS = (("application/pdf", ".pdf"), ("image/jpeg", ".jpg"), ("image/png", ".png"))
NOMBRES = ("nota", "dictamen", "resolucion", "informe", "plano", "factura", "acta", "anexo")
COLUMNAS_ARCHIVO = ("id", "expediente_id", "nombre", "version_actual", "creado_por", "creado_en")
COLUMNAS_VERSION = (
    "archivo_id", "n", "objeto", "nombre", "tipo_mime", "tamanio", "sha256", "subido_por",
    "subido_en", "estado_procesamiento", "paginas", "paginas_procesadas", "procesado_en",
)  # fmt: skip


def filas_de(
    azar: random.Random, expediente: asyncpg.Record, cuantos: int
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    archivos, versiones = [], []
    for _ in range(cuantos):
        ident = uuid.uuid4()
        tipo, extension = azar.choice(TIPOS)
        nombre = f"{azar.choice(NOMBRES)}-{azar.randint(1, 999)}{extension}"
        creado = expediente["creado_en"] + timedelta(hours=azar.randint(1, 2000))
        paginas = azar.randint(1, 40) if tipo == "application/pdf" else 1
        archivos.append((ident, expediente["id"], nombre, 1, expediente["iniciado_por"], creado))
        versiones.append(
            (ident, 1, f"archivos/{ident}/{uuid.uuid4()}", nombre, tipo,
             azar.randint(20_000, 20_000_000), f"{azar.getrandbits(256):064x}",
             expediente["iniciado_por"], creado, "LISTO", paginas, paginas,
             creado + timedelta(minutes=2))
        )  # fmt: skip
    return archivos, versiones


async def generar(origen: str, dsn: str, total: int, forzar: bool) -> dict[str, Any]:
    await crear_base(dsn)
    fuente = await asyncpg.connect(origen)
    destino = await asyncpg.connect(dsn)
    try:
        hecho = await sembrada(destino, "archivos")
        if hecho is not None and not forzar:
            return {"ya_sembrada": True, "archivos": hecho}
        inicio = time.monotonic()
        azar = random.Random(2026)
        await esquema_nuevo(destino, MIGRACIONES, dsn)
        indices = await secundarios(destino, ("archivos", "archivo_versiones"))
        # 2.5 per expediente on average: about total / 2.5 expedientes have files.
        expedientes = await fuente.fetch(
            "SELECT id, caracter, ciclo, creado_en, iniciado_por FROM expedientes "
            "ORDER BY id LIMIT $1",
            int(total / 2.5) + 1,
        )
        archivos: list[tuple[Any, ...]] = []
        versiones: list[tuple[Any, ...]] = []
        for e in expedientes:
            cuantos = min(azar.randint(1, 4), total - len(archivos))
            if cuantos <= 0:
                break
            suyos, suyas = filas_de(azar, e, cuantos)
            archivos += suyos
            versiones += suyas
        ids = [e["id"] for e in expedientes]
        await destino.copy_records_to_table(
            "expedientes",
            records=[
                (e["id"], e["caracter"], 1, e["ciclo"], e["ciclo"] == "ANULADO")
                for e in expedientes
            ],
            columns=("id", "caracter", "version", "estado", "anulado"),
        )
        custodias = await fuente.fetch(
            "SELECT expediente_id, mesa_id, permiso, en_transito, mesa_origen_id, mesas, desde,"
            " version FROM custodias WHERE expediente_id = ANY($1::uuid[])",
            ids,
        )
        await destino.copy_records_to_table(
            "custodias", records=[tuple(c) for c in custodias], columns=list(custodias[0].keys())
        )
        await destino.copy_records_to_table("archivos", records=archivos, columns=COLUMNAS_ARCHIVO)
        await destino.copy_records_to_table(
            "archivo_versiones", records=versiones, columns=COLUMNAS_VERSION
        )
        copiado = time.monotonic() - inicio
        for sentencia in indices:
            await destino.execute(sentencia)
        await destino.execute("ANALYZE")
        await marcar(destino, "archivos", len(archivos), origen.rsplit("/", 1)[1])
        return {
            "archivos": len(archivos),
            "expedientes": len(expedientes),
            "copy_s": round(copiado, 1),
            "total_s": round(time.monotonic() - inicio, 1),
            "objetos_en_s3": 0,
        }
    finally:
        await fuente.close()
        await destino.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--origen", default="postgresql://postgres@127.0.0.1:5432/sigexp_bench_busqueda"
    )
    parser.add_argument(
        "--dsn", default="postgresql://postgres@127.0.0.1:5432/sigexp_bench_archivos"
    )
    parser.add_argument("--archivos", type=int, default=100_000)
    parser.add_argument("--generar", action="store_true", help="load again even if marked")
    args = parser.parse_args()
    resultado = asyncio.run(generar(args.origen, args.dsn, args.archivos, args.generar))
    print(json.dumps(resultado))


if __name__ == "__main__":
    main()
