"""A million realistic expedientes in a database of their own, with COPY (issue 10).

`python tests/bench/generar_expedientes.py --dsn postgresql://postgres@127.0.0.1/NAME`: brings
the database to expedientes' migrations, empties its tables, and loads `--filas` expedientes
(1,000,000) started over `--anios` (10) years at `--mesas` (300) desks of 30 organismos, with
their custody copies (the desks each one reached: the scope rows), the desks' and organismos'
names, the series' last numbers and the tipos. Extractos are Spanish, built from word lists
with a skewed choice (a few words are very common, as "licitación" is); some files are
RESERVADO, some carry an instrument or a GDE number, some have been sent on (in transit, or
received elsewhere), and a few have documents' text. Prints one JSON line with the timings.

A script of the bench and not a command of the service: it writes every table at once below
the service's use cases (no outbox, no audit, no events, no triggers: each row comes with the
scope its triggers would give it, and the desks' scope rows, `alcances`, are made from it in
one statement), which no running service may do.
Its secondary indexes are dropped before COPY and built again after it, as a bulk load should.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from sigexp_common.ids import uuid7
from sigexp_common.migrations import upgrade

ROOT = Path(__file__).resolve().parents[2]
MIGRACIONES = ROOT / "services" / "expedientes" / "src" / "expedientes" / "migrations"
ORGANISMOS = 30
LOTE = 50_000
TABLAS = ("expedientes", "custodias", "alcances")

# fmt: off
ACCIONES = (
    "Licitación pública para la adquisición de",
    "Solicitud de compra de",
    "Contratación directa de",
    "Pedido de provisión de",
    "Licitación privada para la reparación de",
    "Concurso de precios para el mantenimiento de",
    "Convenio de cooperación para la provisión de",
    "Reclamo por la falta de",
    "Rendición de cuentas por la compra de",
    "Solicitud de subsidio para la compra de",
    "Expropiación de terrenos para",
    "Donación de",
    "Alquiler de",
    "Transferencia de fondos para",
    "Auditoría sobre la adquisición de",
)
OBJETOS = (
    "ambulancias", "computadoras", "insumos hospitalarios", "medicamentos oncológicos",
    "camiones recolectores", "maquinaria vial", "mobiliario escolar", "uniformes policiales",
    "combustible", "equipos de radiocomunicación", "luminarias LED", "cemento y áridos",
    "vacunas antigripales", "alimentos para comedores escolares", "neumáticos", "patrulleros",
    "equipamiento informático", "materiales eléctricos", "caños de agua potable", "tomógrafos",
    "respiradores", "libros de texto", "semillas y fertilizantes", "servicios de limpieza",
    "servicios de vigilancia", "pasajes aéreos", "viviendas sociales", "obras de cloacas",
    "pavimento urbano", "puentes rurales", "garrafas de gas", "paneles solares",
    "bombas de agua", "tractores", "embarcaciones", "drones", "fotocopiadoras",
    "sillas de ruedas", "prótesis", "calefactores", "aulas modulares",
)
DESTINOS = (
    "destinados al Hospital Regional", "para la Escuela Provincial", "para la Policía",
    "para el Consejo Agrario", "para la Dirección de Vialidad", "para el Ministerio de Salud",
    "para la Secretaría de Educación", "para el Registro Civil", "para la Municipalidad",
    "para Bomberos Voluntarios", "para el Servicio Penitenciario", "para la Biblioteca",
    "para la Dirección de Minería", "para el Instituto de Vivienda", "para la Guardia Rural",
)
LUGARES = (
    "de Río Gallegos", "de Caleta Olivia", "de Pico Truncado", "de Puerto Deseado",
    "de Las Heras", "de Perito Moreno", "de Los Antiguos", "de El Calafate", "de El Chaltén",
    "de Puerto San Julián", "de Puerto Santa Cruz", "de Comandante Luis Piedra Buena",
    "de Gobernador Gregores", "de Río Turbio", "de 28 de Noviembre", "de Koluel Kayke",
    "de Jaramillo", "de Tres Lagos", "de Hipólito Yrigoyen", "de Cañadón Seco",
)
PERSONAS = (
    "García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Pérez", "Gómez",
    "Sánchez", "Díaz", "Álvarez", "Romero", "Sosa", "Benítez", "Acosta", "Medina", "Herrera",
    "Suárez", "Aguirre", "Giménez", "Gutiérrez", "Pereyra", "Rojas", "Molina", "Castro",
)
NOMBRES = (
    "María", "José", "Juan", "Ana", "Carlos", "Laura", "Jorge", "Silvia", "Luis", "Rosa",
)
TIPOS = (
    "GENERAL", "LICITACION", "ASIGNACIONES", "SUBSIDIO", "RECLAMO", "CONVENIO", "SUMARIO",
    "PERSONAL",
)
LETRAS = (
    "", "", "", "", "GSC", "DGA", "SSP", "MSA", "CAP",
)
# fmt: on
DOCUMENTO = (
    "Visto el expediente de referencia y considerando el informe técnico de la dirección "
    "competente sobre {objeto} {destino} {lugar}, se aprueba el pliego de bases y condiciones "
    "y se autoriza el llamado. Firmado por {nombre} {persona}."
)


def _sesgo(opciones: tuple[str, ...], exponente: float = 0.9) -> list[float]:
    """Zipf-like weights: the first options are chosen far more often than the last."""
    return [1 / (k + 1) ** exponente for k in range(len(opciones))]


class Generador:
    def __init__(self, filas: int, mesas: int, anios: int, semilla: int) -> None:
        self.filas, self.anios = filas, anios
        self.rnd = random.Random(semilla)
        self.organismos = [
            (uuid.UUID(int=self.rnd.getrandbits(128)), str(100100 + 7 * i), f"Organismo {i + 1}")
            for i in range(ORGANISMOS)
        ]
        self.mesas = [
            (uuid.UUID(int=self.rnd.getrandbits(128)), self.organismos[i % ORGANISMOS], i)
            for i in range(mesas)
        ]
        self.series: dict[tuple[str, str, int], int] = {}
        self.pesos = {
            "accion": _sesgo(ACCIONES),
            "objeto": _sesgo(OBJETOS, 0.7),
            "destino": _sesgo(DESTINOS, 0.6),
            "lugar": _sesgo(LUGARES, 0.8),
        }
        self.fin = datetime.now(UTC) - timedelta(hours=1)
        self.inicio = self.fin - timedelta(days=365 * anios)

    def _elegir(self, opciones: tuple[str, ...], clave: str) -> str:
        return self.rnd.choices(opciones, self.pesos[clave])[0]

    def extracto(self) -> str:
        partes = [
            self._elegir(ACCIONES, "accion"),
            self._elegir(OBJETOS, "objeto"),
            self._elegir(DESTINOS, "destino"),
            self._elegir(LUGARES, "lugar"),
        ]
        if self.rnd.random() < 0.3:
            nombre, persona = self.rnd.choice(NOMBRES), self.rnd.choice(PERSONAS)
            partes.append(f"solicitado por {nombre} {persona}")
        return " ".join(partes)

    def documento(self) -> str:
        return DOCUMENTO.format(
            objeto=self._elegir(OBJETOS, "objeto"),
            destino=self._elegir(DESTINOS, "destino"),
            lugar=self._elegir(LUGARES, "lugar"),
            nombre=self.rnd.choice(NOMBRES),
            persona=self.rnd.choice(PERSONAS),
        )

    def filas_de(self, desde: int, hasta: int) -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...]]]:
        """(expediente, custodia) rows `desde`..`hasta`, oldest first (as altas happen)."""
        rnd, paso = self.rnd, (self.fin - self.inicio) / self.filas
        for i in range(desde, hasta):
            creado = self.inicio + paso * i
            mesa_id, (organismo_id, codigo, _), _ = mesa = rnd.choice(self.mesas)
            letras = rnd.choice(LETRAS)
            serie = (codigo, letras, creado.year)
            numero = self.series[serie] = self.series.get(serie, 0) + 1
            ident = uuid7(creado)
            instrumento = None
            if rnd.random() < 0.25:
                instrumento = f"Resolución {rnd.randint(1, 3000)}/{creado.year}"
            gde = None
            if rnd.random() < 0.15:
                gde = (
                    f"EX-{creado.year}-{rnd.randint(10**7, 10**8 - 1)}- -APN-DG{letras or 'ME'}#MS"
                )
            ciclo = rnd.choices(
                ("EN_TRAMITE", "ARCHIVADO", "EN_REVISION", "ANULADO"), (70, 20, 8, 2)
            )[0]
            caracter = "RESERVADO" if rnd.random() < 0.03 else "PUBLICO"
            tipo = rnd.choices(TIPOS, _sesgo(TIPOS, 1.0))[0]
            custodia = self._custodia(ident, mesa, creado)
            yield (
                (
                    ident,
                    codigo,
                    numero,
                    letras,
                    creado.year,
                    self.extracto(),
                    instrumento,
                    rnd.randint(1, 4),
                    rnd.randint(0, 400),
                    tipo,
                    caracter,
                    ciclo,
                    organismo_id,
                    mesa_id,
                    uuid.UUID(int=rnd.getrandbits(128)),
                    "generador",
                    creado,
                    creado,
                    gde,
                    custodia[5],
                ),
                custodia,
            )

    def _custodia(self, ident: uuid.UUID, mesa: Any, creado: datetime) -> tuple[Any, ...]:
        rnd = self.rnd
        alcanzadas = [mesa[0]]
        for _ in range(rnd.choices((0, 1, 2, 3), (55, 25, 12, 8))[0]):
            # Mostly within its organismo: desks i, i+30, i+60... share one.
            otra = self.mesas[(mesa[2] + ORGANISMOS * rnd.randint(1, 9)) % len(self.mesas)]
            if rnd.random() < 0.2:
                otra = rnd.choice(self.mesas)
            if otra[0] not in alcanzadas:
                alcanzadas.append(otra[0])
        en_transito = len(alcanzadas) > 1 and rnd.random() < 0.05
        actual = alcanzadas[-1]
        origen = alcanzadas[-2] if len(alcanzadas) > 1 else None
        if en_transito:
            alcanzadas.pop()  # on its way: the destination is not reached yet
        permiso = "LECTURA" if en_transito or rnd.random() < 0.1 else "ESCRITURA"
        return (ident, actual, permiso, en_transito, origen, alcanzadas, creado, len(alcanzadas))


EXPEDIENTE = (
    "id",
    "codigo",
    "numero",
    "letras",
    "anio",
    "extracto",
    "numero_instrumento",
    "tomos",
    "fojas",
    "tipo",
    "caracter",
    "ciclo",
    "organismo_id",
    "mesa_inicio_id",
    "iniciado_por",
    "iniciado_por_usuario",
    "creado_en",
    "actualizado_en",
    "numero_gde",
    "mesas",
)
CUSTODIA = (
    "expediente_id",
    "mesa_id",
    "permiso",
    "en_transito",
    "mesa_origen_id",
    "mesas",
    "desde",
    "version",
)


# Each desk's scope rows, as migration expbus_02's trigger makes them for every live write.
ALCANCES = """
INSERT INTO alcances (expediente_id, mesa_id, creado_en, anio)
SELECT DISTINCT e.id, m, e.creado_en, e.anio FROM expedientes e, unnest(e.mesas) AS m
"""


async def _indices(conn: asyncpg.Connection) -> list[tuple[str, str]]:
    """The secondary indexes of the bulk-loaded tables (not those of their constraints)."""
    rows = await conn.fetch(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = 'public' AND i.tablename = ANY($1::text[])
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        """,
        list(TABLAS),
    )
    return [(r["indexname"], r["indexdef"]) for r in rows]


async def _en_paralelo(dsn: str, sentencias: list[str], conexiones: int) -> None:
    pendientes = list(sentencias)

    async def trabajar() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute("SET maintenance_work_mem = '1GB'")
            await conn.execute("SET max_parallel_maintenance_workers = 0")
            while pendientes:
                await conn.execute(pendientes.pop(0))
        finally:
            await conn.close()

    await asyncio.gather(*(trabajar() for _ in range(conexiones)))


async def generar(dsn: str, filas: int, mesas: int, anios: int, semilla: int) -> dict[str, Any]:
    tiempos: dict[str, float] = {}
    t0 = time.monotonic()
    url = dsn.replace("postgresql://", "postgresql+asyncpg://", 1)
    await asyncio.to_thread(upgrade, MIGRACIONES, url)
    gen = Generador(filas, mesas, anios, semilla)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "TRUNCATE expedientes, custodias, alcances, mesas, organismos, series, tipos, "
            "textos_documentos, outbox, inbox"
        )
        indices = await _indices(conn)
        for nombre, _ in indices:
            await conn.execute(f'DROP INDEX "{nombre}"')
        await conn.copy_records_to_table(
            "organismos",
            records=[(o, c, n, 1) for o, c, n in gen.organismos],
            columns=("id", "codigo", "nombre", "version"),
        )
        await conn.copy_records_to_table(
            "mesas",
            records=[
                (m, f"M{i}", f"Mesa de Entradas {i + 1} ({o[2]})", o[0], i % 10 == 9, True, 1)
                for m, o, i in gen.mesas
            ],
            columns=("id", "codigo", "nombre", "organismo_id", "es_oficina", "activo", "version"),
        )
        await conn.copy_records_to_table(
            "tipos",
            records=[(t, t.title(), True, 1) for t in TIPOS],
            columns=("codigo", "nombre", "activo", "version"),
        )
    finally:
        await conn.close()
    tiempos["preparar_s"] = time.monotonic() - t0

    # Python makes the rows while two PostgreSQL backends take them (and compute the vectors).
    t1 = time.monotonic()
    cola: asyncio.Queue[tuple[list[Any], list[Any]] | None] = asyncio.Queue(maxsize=4)

    async def copiar() -> None:
        destino = await asyncpg.connect(dsn)
        try:
            # Each row carries its scope already: the triggers that keep it are for live writes.
            await destino.execute("SET session_replication_role = replica")
            while (lote := await cola.get()) is not None:
                expedientes, custodias = lote
                await destino.copy_records_to_table(
                    "expedientes", records=expedientes, columns=EXPEDIENTE
                )
                await destino.copy_records_to_table(
                    "custodias", records=custodias, columns=CUSTODIA
                )
        finally:
            await destino.close()

    copiadores = [asyncio.create_task(copiar()) for _ in range(2)]
    for desde in range(0, filas, LOTE):
        hasta = min(filas, desde + LOTE)
        pares = await asyncio.to_thread(lambda d=desde, h=hasta: list(gen.filas_de(d, h)))
        await cola.put(([p[0] for p in pares], [p[1] for p in pares]))
    for _ in copiadores:
        await cola.put(None)
    await asyncio.gather(*copiadores)
    tiempos["copy_s"] = time.monotonic() - t1

    t5 = time.monotonic()
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(ALCANCES)
    finally:
        await conn.close()
    tiempos["alcances_s"] = time.monotonic() - t5

    t2 = time.monotonic()
    await _documentos(dsn, gen, filas)
    tiempos["documentos_s"] = time.monotonic() - t2

    t3 = time.monotonic()
    conn = await asyncpg.connect(dsn)
    try:
        await conn.copy_records_to_table(
            "series",
            records=[(c, letras, a, n) for (c, letras, a), n in gen.series.items()],
            columns=("codigo", "letras", "anio", "ultimo"),
        )
    finally:
        await conn.close()
    # The GIN indexes are the long ones: each its own connection, the btrees after them.
    definiciones = sorted((d for _, d in indices), key=lambda d: "USING gin" not in d)
    await _en_paralelo(dsn, definiciones, 2)
    tiempos["indices_s"] = time.monotonic() - t3
    t4 = time.monotonic()
    await _en_paralelo(dsn, [f"VACUUM ANALYZE {t}" for t in (*TABLAS, "mesas")], 2)
    tiempos["analyze_s"] = time.monotonic() - t4
    tiempos["total_s"] = time.monotonic() - t0
    return {
        "filas": filas,
        "mesas": mesas,
        "anios": anios,
        **{k: round(v, 1) for k, v in tiempos.items()},
    }


async def _documentos(dsn: str, gen: Generador, filas: int) -> None:
    """2 % of the files get their documents' text (as `archivo.procesado` would leave it)."""
    conn = await asyncpg.connect(dsn)
    try:
        ids = await conn.fetch(
            "SELECT id FROM expedientes TABLESAMPLE BERNOULLI (2) REPEATABLE (7)"
        )
        registros = [
            (r["id"], uuid.UUID(int=gen.rnd.getrandbits(128)), gen.documento()) for r in ids
        ]
        await conn.execute(
            "CREATE TEMP TABLE docs (expediente_id uuid, archivo_id uuid, texto text)"
        )
        await conn.copy_records_to_table("docs", records=registros)
        await conn.execute(
            """
            INSERT INTO textos_documentos (archivo_id, expediente_id, texto, eliminado, version)
            SELECT archivo_id, expediente_id, texto, false, 1 FROM docs;
            UPDATE expedientes e
               SET texto_documentos =
                   setweight(to_tsvector('sigexp_es', sigexp_texto(d.texto)), 'D')
              FROM docs d WHERE d.expediente_id = e.id;
            """
        )
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--dsn", required=True, help="postgresql://... (the database must exist)")
    parser.add_argument("--filas", type=int, default=1_000_000)
    parser.add_argument("--mesas", type=int, default=300)
    parser.add_argument("--anios", type=int, default=10)
    parser.add_argument("--semilla", type=int, default=2026)
    args = parser.parse_args()
    hecho = asyncio.run(generar(args.dsn, args.filas, args.mesas, args.anios, args.semilla))
    print(json.dumps(hecho))


if __name__ == "__main__":
    main()
