"""`make backup` / `make restore` (scripts/respaldo.py) on the running system's real data.

Expedientes, a pase, an uploaded document and their audit records are made through the
gateway; the backup is restored into a fresh set of databases and a fresh bucket, which must
hold exactly the same rows (every table of every service, compared whole) and the same bytes,
with the audit chain unbroken.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg
import httpx
from minio import Minio

from sigexp_testing import workspace
from sigexp_testing.infra import S3Server, TestInfra

if TYPE_CHECKING:
    from conftest import Sistema

ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "Demo-Sigexp-2026"
WITH_DATABASE = tuple(s.name for s in workspace.with_database())
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f80f0000010100005e7e13f80000000049454e44ae426082"
)


def _login(sistema: Sistema, usuario: str) -> dict[str, str]:
    r = httpx.post(
        sistema.gateway + "/api/v1/auth/login", json={"usuario": usuario, "password": DEMO_PASSWORD}
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _hasta(condicion: Callable[[], Any], plazo: float, que: str) -> Any:
    limite = time.monotonic() + plazo
    while not (valor := condicion()):
        if time.monotonic() > limite:
            raise AssertionError(f"{que}: no ocurrió en {plazo:.0f} s")
        time.sleep(0.3)
    return valor


def _sembrar(sistema: Sistema) -> dict[str, str]:
    """Two expedientes, one sent to another desk, a document on the other: through the gateway."""
    gw = sistema.gateway
    mesa, carga = _login(sistema, "mesa.cap"), _login(sistema, "carga.cap")
    destino = httpx.get(gw + "/api/v1/auth/me", headers=_login(sistema, "mesa.sgg")).json()
    ids = []
    for extracto in ("Respaldo: pedido de licencia", "Respaldo: compra de insumos"):
        r = httpx.post(gw + "/api/v1/expedientes", headers=mesa, json={"extracto": extracto})
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])

    def enviado() -> httpx.Response | None:
        envio = {
            "expediente_ids": [ids[0]],
            "mesa_destino_id": destino["mesa"]["id"],
            "permiso": "ESCRITURA",
            "fojas_agregadas": 1,
            "tomos_agregados": 0,
        }
        r = httpx.post(gw + "/api/v1/pases", headers=mesa, json=envio, timeout=30)
        return None if r.status_code in (404, 409) else r  # pases has not heard of it yet

    pase = _hasta(enviado, 30, "pases conoce el expediente")
    assert pase.status_code == 201, pase.text

    def subido() -> httpx.Response | None:
        r = httpx.post(
            f"{gw}/api/v1/expedientes/{ids[1]}/archivos",
            headers=carga,
            files={"archivo": ("nota.png", PNG, "image/png")},
            timeout=30,
        )
        return None if r.status_code in (404, 409) else r

    archivo = _hasta(subido, 30, "archivos conoce el expediente")
    assert archivo.status_code == 201, archivo.text
    return {
        "expediente": ids[0],
        "pase": pase.json()["pases"][0]["id"],
        "archivo": archivo.json()["id"],
    }


async def _huellas(dsn: str) -> dict[str, tuple[int, str]]:
    """Every table of a database: (rows, md5 of all its rows in a stable order)."""
    conn = await asyncpg.connect(dsn)
    try:
        tables = await conn.fetch(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) AS t FROM pg_tables "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        )
        found = {}
        for row in tables:
            t = row["t"]
            count, digest = await conn.fetchrow(
                f"SELECT count(*), md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) "
                f"FROM {t} x"
            )
            found[t] = (int(count), str(digest))
        return found
    finally:
        await conn.close()


async def _sin_pendientes(dsn: str) -> bool:
    conn = await asyncpg.connect(dsn)
    try:
        return not await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
    finally:
        await conn.close()


def _quieto(bases: dict[str, str]) -> bool:
    """No table of any service changes for 2 s: what the bus and the worker had to do is done
    (a backup of a moving system is fine, but this test compares it with a later reading)."""
    antes = {svc: asyncio.run(_huellas(dsn)) for svc, dsn in bases.items()}
    time.sleep(2.0)
    return antes == {svc: asyncio.run(_huellas(dsn)) for svc, dsn in bases.items()}


def _libpq(infra: TestInfra, database: str) -> str:
    return infra.pg_admin_dsn.rsplit("/", 1)[0] + "/" + database


def _respaldo(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "scripts/respaldo.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _objetos(client: Minio, bucket: str) -> dict[str, str]:
    found = {}
    for item in client.list_objects(bucket, recursive=True):
        response = client.get_object(bucket, str(item.object_name))
        try:
            found[str(item.object_name)] = hashlib.sha256(response.read()).hexdigest()
        finally:
            response.close()
            response.release_conn()
    return found


def test_un_respaldo_restaurado_en_bases_nuevas_tiene_los_mismos_datos_y_la_cadena_intacta(
    sistema: Sistema, infra: TestInfra, s3: S3Server, tmp_path: Path
) -> None:
    hechos = _sembrar(sistema)
    origen = {svc: _libpq(infra, f"{infra.prefix}_e2e_{svc}") for svc in WITH_DATABASE}
    for service, dsn in origen.items():
        _hasta(lambda dsn=dsn: asyncio.run(_sin_pendientes(dsn)), 60, f"{service} publicó todo")
    _hasta(lambda: _quieto(origen), 180, "los consumidores y el worker terminaron")
    bucket = sistema.env["ARCHIVOS_S3_BUCKET"]
    base = {k: v for k, v in os.environ.items() if not k.startswith("SIGEXP_")}
    env = base | {
        "SIGEXP_PG_DSN": infra.pg_admin_dsn,
        "SIGEXP_DB_PREFIX": f"{infra.prefix}_e2e",
        "SIGEXP_S3_ENDPOINT": s3.endpoint,
        "SIGEXP_S3_ACCESS_KEY": s3.access_key,
        "SIGEXP_S3_SECRET_KEY": s3.secret_key,
        "SIGEXP_S3_BUCKET": bucket,
        "SIGEXP_DATA_DIR": str(tmp_path / "datos"),
    }
    respaldo = tmp_path / "respaldo"

    creado = _respaldo(env, "crear", "--destino", str(respaldo))
    antes = {svc: asyncio.run(_huellas(dsn)) for svc, dsn in origen.items()}
    restaurado_env = env | {
        "SIGEXP_DB_PREFIX": f"{infra.prefix}_rest",
        "SIGEXP_S3_BUCKET": "rest-e2e",
    }
    infra.databases.extend(f"{infra.prefix}_rest_{svc}" for svc in WITH_DATABASE)
    restaurado = _respaldo(restaurado_env, "restaurar", str(respaldo))
    otra_vez = _respaldo(restaurado_env, "restaurar", str(respaldo))

    assert creado.returncode == 0, creado.stderr
    assert restaurado.returncode == 0, restaurado.stderr
    destino = {svc: _libpq(infra, f"{infra.prefix}_rest_{svc}") for svc in WITH_DATABASE}
    despues = {svc: asyncio.run(_huellas(dsn)) for svc, dsn in destino.items()}
    for service in WITH_DATABASE:
        cambiadas = {t for t in antes[service] if antes[service][t] != despues[service].get(t)}
        assert not cambiadas, f"{service}: tablas distintas tras restaurar: {cambiadas}"
    assert asyncio.run(_contiene(destino["expedientes"], "expedientes", hechos["expediente"]))
    assert asyncio.run(_contiene(destino["pases"], "pases", hechos["pase"]))
    assert asyncio.run(_contiene(destino["archivos"], "archivos", hechos["archivo"]))
    assert asyncio.run(_cadena_intacta(destino["auditoria"]))
    client = Minio(s3.endpoint, s3.access_key, s3.secret_key, secure=False)
    assert _objetos(client, "rest-e2e") == _objetos(client, bucket)
    assert otra_vez.returncode == 1
    assert "ya tiene datos" in otra_vez.stderr, "a restore never mixes into existing data"


async def _contiene(dsn: str, tabla: str, id_: str) -> bool:
    conn = await asyncpg.connect(dsn)
    try:
        return bool(await conn.fetchval(f"SELECT count(*) FROM {tabla} WHERE id = $1::uuid", id_))
    finally:
        await conn.close()


async def _cadena_intacta(dsn: str) -> bool:
    """The restored chain: records present, gapless sequence, each linked to the previous."""
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT seq, hash, hash_anterior FROM registros ORDER BY seq")
    finally:
        await conn.close()
    assert rows, "the audit chain has records"
    seqs = [r["seq"] for r in rows]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), "gapless"
    assert all(b["hash_anterior"] == a["hash"] for a, b in itertools.pairwise(rows))
    return True
