"""`make backup` / `make restore`: every service's database and the documents' bucket.

    python scripts/respaldo.py crear [--destino DIR]
    python scripts/respaldo.py restaurar DIR [--reemplazar]

Where things are comes from the same SIGEXP_* variables as `make up` (docs/make-up.md): the
PostgreSQL server (SIGEXP_PG_DSN), the databases `<SIGEXP_DB_PREFIX>_<service>`, the S3 server
and bucket (SIGEXP_S3_*; the embedded nanio's keys from the data folder). A backup is a folder:
one `pg_dump --format=custom` per database, the bucket's objects under `bucket/`, and
`manifiesto.json` with the sha256 of every file. A restore checks every sha256 first, then
loads into databases and a bucket that must be new or empty (`--reemplazar` drops them first),
so a restore never mixes two states. Restore into a fresh set by pointing SIGEXP_DB_PREFIX and
SIGEXP_S3_BUCKET elsewhere.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import urllib3
from minio import Minio
from minio.error import S3Error

sys.path.insert(0, str(Path(__file__).resolve().parent))
from devrun.config import DATABASE_SERVICES, Config, ConfigError, load_config

MANIFEST = "manifiesto.json"


class RespaldoError(Exception):
    """Something an operator must fix; the message says what."""


def _libpq(config: Config, database: str) -> str:
    parts = urlsplit(config.pg_dsn)
    return str(urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, "")))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _s3(config: Config) -> Minio:
    s3 = config.s3
    return Minio(s3.endpoint, s3.access_key, s3.secret_key, secure=s3.secure)


def _run(argv: list[str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise RespaldoError(f"{argv[0]} falló ({done.returncode}): {done.stderr.strip()[-800:]}")


def crear(config: Config, destino: Path) -> dict[str, Any]:
    destino.mkdir(parents=True, exist_ok=False)
    bases: dict[str, Any] = {}
    for service in DATABASE_SERVICES:
        name = config.database_name(service)
        file = destino / f"{service}.dump"
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={file}", _libpq(config, name)])
        bases[service] = {"base": name, "archivo": file.name, "sha256": _sha256(file)}
    objetos = _copiar_bucket(config, destino / "bucket")
    manifest = {
        "creado_en": datetime.now(UTC).isoformat(),
        "bases": bases,
        "bucket": {"nombre": config.s3.bucket, "objetos": objetos},
    }
    (destino / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return manifest


def _copiar_bucket(config: Config, carpeta: Path) -> list[dict[str, Any]]:
    client = _s3(config)
    if not client.bucket_exists(config.s3.bucket):
        return []
    objetos = []
    for item in client.list_objects(config.s3.bucket, recursive=True):
        key = str(item.object_name)
        path = carpeta / key
        path.parent.mkdir(parents=True, exist_ok=True)
        stat = client.fget_object(config.s3.bucket, key, str(path))
        objetos.append({"clave": key, "sha256": _sha256(path), "tipo": stat.content_type})
    return objetos


def restaurar(config: Config, origen: Path, reemplazar: bool) -> dict[str, Any]:
    manifest = _manifiesto_verificado(origen)
    asyncio.run(_preparar_bases(config, manifest["bases"], reemplazar))
    for service, entry in manifest["bases"].items():
        target = _libpq(config, config.database_name(service))
        dump = str(origen / entry["archivo"])
        _run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={target}", dump])
    _restaurar_bucket(config, origen / "bucket", manifest["bucket"]["objetos"], reemplazar)
    return manifest


def _manifiesto_verificado(origen: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((origen / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise RespaldoError(f"{origen} no es un respaldo legible ({MANIFEST}: {exc})") from exc
    files = [(e["archivo"], e["sha256"]) for e in manifest["bases"].values()]
    files += [(f"bucket/{o['clave']}", o["sha256"]) for o in manifest["bucket"]["objetos"]]
    for name, expected in files:
        path = origen / name
        if not path.is_file() or _sha256(path) != expected:
            raise RespaldoError(f"el respaldo está dañado o incompleto: {name} no coincide")
    unknown = set(manifest["bases"]) - set(DATABASE_SERVICES)
    if unknown:
        raise RespaldoError(f"el respaldo tiene bases de servicios que no existen: {unknown}")
    return manifest


async def _preparar_bases(config: Config, bases: dict[str, Any], reemplazar: bool) -> None:
    admin = await asyncpg.connect(config.pg_dsn)
    try:
        for service in bases:
            name = config.database_name(service)
            exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
            if exists and not reemplazar and await _tiene_tablas(config, name):
                raise RespaldoError(
                    f"la base {name} ya tiene datos: restaure en otra (SIGEXP_DB_PREFIX) o "
                    "use --reemplazar"
                )
            if exists:
                await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


async def _tiene_tablas(config: Config, name: str) -> bool:
    conn = await asyncpg.connect(_libpq(config, name))
    try:
        count = await conn.fetchval(
            "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', "
            "'information_schema')"
        )
        return bool(count)
    finally:
        await conn.close()


def _restaurar_bucket(
    config: Config, carpeta: Path, objetos: list[dict[str, Any]], reemplazar: bool
) -> None:
    client, bucket = _s3(config), config.s3.bucket
    if not client.bucket_exists(bucket):
        client.make_bucket(bucket)
    existing = [str(o.object_name) for o in client.list_objects(bucket, recursive=True)]
    if existing and not reemplazar:
        raise RespaldoError(f"el bucket {bucket} no está vacío: use otro o --reemplazar")
    for key in existing:
        client.remove_object(bucket, key)
    for item in objetos:
        path = carpeta / item["clave"]
        client.fput_object(bucket, item["clave"], str(path), content_type=item["tipo"])


def main() -> None:
    parser = argparse.ArgumentParser(description="backup and restore of SIGEXP's data")
    sub = parser.add_subparsers(dest="accion", required=True)
    crear_p = sub.add_parser("crear", help="back up every database and the bucket")
    crear_p.add_argument("--destino", type=Path, help="a new folder (default under the data dir)")
    restaurar_p = sub.add_parser("restaurar", help="restore a backup folder")
    restaurar_p.add_argument("origen", type=Path)
    restaurar_p.add_argument("--reemplazar", action="store_true", help="drop what is there")
    args = parser.parse_args()
    try:
        config = load_config()
        if args.accion == "crear":
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            destino = args.destino or config.data_dir / "respaldos" / stamp
            manifest = crear(config, destino)
            objetos = len(manifest["bucket"]["objetos"])
            print(f"respaldo en {destino}: {len(manifest['bases'])} bases, {objetos} objetos")
        else:
            manifest = restaurar(config, args.origen, args.reemplazar)
            objetos = len(manifest["bucket"]["objetos"])
            bases = f"{len(manifest['bases'])} bases en {config.db_prefix}_*"
            print(f"restaurado {args.origen}: {bases}, {objetos} objetos en {config.s3.bucket}")
    except (RespaldoError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
    except (S3Error, urllib3.exceptions.HTTPError, OSError) as exc:
        print(
            f"error: el servidor S3 {config.s3.endpoint} no responde bien: {exc}", file=sys.stderr
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
