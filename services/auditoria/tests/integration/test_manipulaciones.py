"""Tampering with the chain is detected and the first bad record named: an edited row, a deleted
row, a reordered pair (all as a superuser who lifts the trigger), a cut tail and a fully
recomputed chain (these two against an anchor saved before). Anchors are also written out on
their own, to a file and to S3.

A chain of its own (its own database, no consumer: records go in through the use case the
consumer calls), rebuilt before each test, so the session's chain is never touched."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from minio import Minio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from auditoria import service
from auditoria.cadena import calcular_hash, contenido
from auditoria.events import AccesoRegistrado
from auditoria.main import build_spec
from auditoria.models import Registro
from sigexp_common.db import transaction
from sigexp_common.envelope import Envelope
from sigexp_testing.apps import running_app
from sigexp_testing.infra import S3Server
from sigexp_testing.tokens import TokenFactory
from sigexp_testing.waiting import wait_until

Cadena = tuple[FastAPI, httpx.AsyncClient, AsyncEngine]


@pytest.fixture(scope="module")
async def cadena(
    ajustes_de: Any, tokens: TokenFactory, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Cadena]:
    settings = ajustes_de(
        "auditoria_manipulada",
        tmp_path_factory.mktemp("anclas"),
        run_consumers=False,
        ancla_intervalo_segundos=0.5,
    )
    async with running_app(build_spec(settings), verifier=tokens.verifier()) as (app, cliente):
        dueno = create_async_engine(settings.database_url, poolclass=NullPool)
        yield app, cliente, dueno
        await dueno.dispose()


async def _como_superusuario(dueno: AsyncEngine, *sentencias: str) -> None:
    async with dueno.begin() as conn:
        await conn.execute(text("ALTER TABLE registros DISABLE TRIGGER registros_solo_anexar"))
        for sentencia in sentencias:
            await conn.execute(text(sentencia))
        await conn.execute(text("ALTER TABLE registros ENABLE TRIGGER registros_solo_anexar"))


async def _anexar(app: FastAPI, n: int, desde: int = 1) -> None:
    accesos = [
        AccesoRegistrado.from_envelope(
            Envelope(
                source="/sigexp/expedientes",
                type=AccesoRegistrado.event_type,
                data={
                    "en": f"2026-11-20T10:00:{i:02d}+00:00",
                    "usuario": f"usuario{i}",
                    "accion": "expediente.ver",
                    "mesa_id": str(uuid.uuid4()),
                    "request_id": f"pedido-{i}",
                },
            )
        )
        for i in range(desde, desde + n)
    ]
    async with transaction(app.state.sessions) as db:
        await service.anexar_registros(db, accesos)


@pytest.fixture
async def diez(cadena: Cadena) -> Cadena:
    """The chain emptied (as a superuser) and ten records appended."""
    app, _, dueno = cadena
    await _como_superusuario(dueno, "TRUNCATE registros")
    await _anexar(app, 10)
    return cadena


async def _verificar(cliente: httpx.AsyncClient, tokens: TokenFactory, *anclas: str) -> Any:
    r = await cliente.get(
        "/api/v1/auditoria/verificacion",
        params=[("ancla", a) for a in anclas],
        headers={"Authorization": f"Bearer {tokens.token('ADMIN')}"},
    )
    assert r.status_code == 200, r.text
    return r.json()


async def _ancla(cliente: httpx.AsyncClient, tokens: TokenFactory) -> str:
    r = await cliente.get(
        "/api/v1/auditoria/ancla", headers={"Authorization": f"Bearer {tokens.token('ADMIN')}"}
    )
    assert r.status_code == 200, r.text
    return str(r.json()["ancla"])


async def test_la_cadena_numera_sin_huecos_y_una_sana_verifica(
    diez: Cadena, tokens: TokenFactory
) -> None:
    _, cliente, dueno = diez
    async with dueno.connect() as conn:
        seqs = (await conn.execute(text("SELECT seq FROM registros ORDER BY seq"))).scalars()
        assert list(seqs) == list(range(1, 11))
    resultado = await _verificar(cliente, tokens, await _ancla(cliente, tokens))
    assert (resultado["registros"], resultado["primer_registro_alterado"]) == (10, None)
    assert resultado["anclas_verificadas"] == 1


async def test_un_registro_editado_se_detecta_y_se_nombra(
    diez: Cadena, tokens: TokenFactory
) -> None:
    _, cliente, dueno = diez
    await _como_superusuario(dueno, "UPDATE registros SET usuario = 'otro' WHERE seq = 4")
    resultado = await _verificar(cliente, tokens)
    assert resultado["ok"] is False
    assert resultado["primer_registro_alterado"] == 4
    assert resultado["primer_error"] == "registro 4: su contenido fue alterado"


async def test_un_registro_borrado_se_detecta_y_se_nombra(
    diez: Cadena, tokens: TokenFactory
) -> None:
    _, cliente, dueno = diez
    await _como_superusuario(dueno, "DELETE FROM registros WHERE seq = 5")
    resultado = await _verificar(cliente, tokens)
    assert resultado["ok"] is False
    assert resultado["primer_registro_alterado"] == 6
    assert "faltan los registros anteriores (5)" in resultado["primer_error"]


async def test_un_par_de_registros_intercambiados_se_detecta(
    diez: Cadena, tokens: TokenFactory
) -> None:
    _, cliente, dueno = diez
    # Rows 3 and 4 swap places with everything they carry (their hashes too).
    await _como_superusuario(
        dueno,
        "UPDATE registros SET seq = -seq WHERE seq IN (3, 4)",
        "UPDATE registros SET seq = CASE seq WHEN -3 THEN 4 ELSE 3 END WHERE seq IN (-3, -4)",
    )
    resultado = await _verificar(cliente, tokens)
    assert resultado["ok"] is False
    assert resultado["primer_registro_alterado"] == 3


async def test_una_cola_cortada_se_detecta_con_el_ancla(diez: Cadena, tokens: TokenFactory) -> None:
    _, cliente, dueno = diez
    ancla = await _ancla(cliente, tokens)
    assert ancla.startswith("10:")
    await _como_superusuario(dueno, "DELETE FROM registros WHERE seq > 8")
    assert (await _verificar(cliente, tokens))["primer_registro_alterado"] is None  # alone: no
    resultado = await _verificar(cliente, tokens, ancla)
    assert resultado["ok"] is False
    assert resultado["primer_registro_alterado"] == 10
    assert "la cadena termina en 8 (fue cortada)" in resultado["primer_error"]


async def test_una_cadena_recalculada_entera_se_detecta_con_el_ancla_mas_vieja(
    diez: Cadena, tokens: TokenFactory
) -> None:
    app, cliente, dueno = diez
    vieja = await _ancla(cliente, tokens)  # at 10
    await _anexar(app, 5, desde=11)
    nueva = await _ancla(cliente, tokens)  # at 15
    # The intruder edits record 4 and recomputes every hash after it: the chain is coherent.
    await _como_superusuario(dueno, "UPDATE registros SET usuario = 'otro' WHERE seq = 4")
    async with dueno.connect() as conn:
        filas = (
            await conn.execute(
                text("SELECT * FROM registros WHERE seq >= 3 ORDER BY seq"),
            )
        ).mappings()
        registros = [Registro(**dict(f)) for f in filas]
    anterior, cambios = registros[0].hash, []
    for registro in registros[1:]:
        nuevo = calcular_hash(anterior, contenido(registro))
        cambios.append(
            f"UPDATE registros SET hash_anterior = '{anterior}', hash = '{nuevo}' "
            f"WHERE seq = {registro.seq}"
        )
        anterior = nuevo
    await _como_superusuario(dueno, *cambios)
    assert (await _verificar(cliente, tokens))["primer_registro_alterado"] is None
    resultado = await _verificar(cliente, tokens, nueva, vieja)
    assert resultado["ok"] is False
    assert resultado["primer_registro_alterado"] == 10  # the oldest anchor it breaks
    assert "no coincide con el ancla" in resultado["primer_error"]


async def test_un_ancla_mal_escrita_es_422(cadena: Cadena, tokens: TokenFactory) -> None:
    _, cliente, _ = cadena
    r = await cliente.get(
        "/api/v1/auditoria/verificacion",
        params={"ancla": "diez:abc"},
        headers={"Authorization": f"Bearer {tokens.token('ADMIN')}"},
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["campo"] == "ancla"


async def test_solo_admin_pide_el_ancla(cadena: Cadena, tokens: TokenFactory) -> None:
    _, cliente, _ = cadena
    for perfil in ("AUTORIDAD", "MESA_ENTRADA", "CONSULTA"):
        r = await cliente.get(
            "/api/v1/auditoria/ancla", headers={"Authorization": f"Bearer {tokens.token(perfil)}"}
        )
        assert r.status_code == 403, perfil


def _anclas_en(carpeta: Path, patron: str = "*.json", borrar: bool = False) -> list[Path]:
    archivos = sorted(carpeta.glob(patron))
    for archivo in archivos if borrar else ():
        archivo.unlink()
    return archivos


def _leer(archivo: Path) -> Any:
    return json.loads(archivo.read_text())


async def test_las_anclas_se_escriben_solas_en_un_archivo_y_en_s3(
    diez: Cadena, s3: S3Server, tokens: TokenFactory
) -> None:
    app, cliente, _ = diez
    settings = app.state.settings
    carpeta: Path = settings.data_dir / "anclas"
    _anclas_en(carpeta, borrar=True)  # other tests' chains had a record 10 too

    async def la_de_diez() -> list[Path]:
        return _anclas_en(carpeta, "*-10.json")

    await wait_until(la_de_diez)
    archivo = _anclas_en(carpeta, "*-10.json")[0]
    guardada = _leer(archivo)
    cliente_s3 = Minio(
        s3.endpoint, access_key=s3.access_key, secret_key=s3.secret_key, secure=s3.secure
    )

    async def en_s3() -> bool:
        objetos = cliente_s3.list_objects(settings.s3_bucket, prefix="anclas/")
        return any(o.object_name == "anclas/" + archivo.name for o in objetos)

    await wait_until(en_s3)
    objeto = cliente_s3.get_object(settings.s3_bucket, "anclas/" + archivo.name)
    assert json.loads(objeto.read()) == guardada
    resultado = await _verificar(cliente, tokens, guardada["ancla"])
    assert (resultado["primer_registro_alterado"], resultado["anclas_verificadas"]) == (None, 1)
