"""No row points to a missing object and no object stays orphaned: a failure between the
storage and the commit leaves nothing behind (or a record `reconciliar` removes), and
`python -m archivos reconciliar`, run as operators run it, fixes what is planted."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from archivos_escena import BUCKET, Escena, Expediente, pdf

from archivos.models import clave_objeto
from archivos.settings import Settings
from archivos.storage import Almacen
from sigexp_common.envelope import utcnow
from sigexp_common.ids import uuid7
from sigexp_testing.infra import free_port
from sigexp_testing.tcp_proxy import TcpProxy
from sigexp_testing.waiting import wait_until

MIB = 1024 * 1024
FRONTERA = "prueba-de-corte"


async def reconciliar(escena: Escena, gracia_minutos: float) -> dict:
    """`python -m archivos reconciliar` in a process of its own, against the test's servers."""
    settings: Settings = escena.app.state.settings
    entorno = {
        **os.environ,
        "ARCHIVOS_DATABASE_URL": settings.database_url,
        "ARCHIVOS_S3_ENDPOINT": settings.s3_endpoint,
        "ARCHIVOS_S3_ACCESS_KEY": settings.s3_access_key,
        "ARCHIVOS_S3_SECRET_KEY": settings.s3_secret_key,
        "ARCHIVOS_S3_BUCKET": settings.s3_bucket,
        "ARCHIVOS_LOG_LEVEL": "WARNING",
    }
    proceso = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "archivos",
        "reconciliar",
        "--gracia-minutos",
        str(gracia_minutos),
        env=entorno,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    salida, errores = await proceso.communicate()
    assert proceso.returncode == 0, errores.decode()
    return json.loads(salida.decode().strip().splitlines()[-1])


async def _cuerpo_que_corta(proxy: TcpProxy, mb: int, cortar_en: int) -> AsyncIterator[bytes]:
    """A file of `mb` MiB whose storage goes away before its `cortar_en`-th MiB is sent (with
    `cortar_en == mb`, once the whole file was sent, before the body's closing boundary: the
    upload's last part and its completion are what fail)."""
    yield (
        f'--{FRONTERA}\r\nContent-Disposition: form-data; name="archivo"; filename="x.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
    ).encode()
    for i in range(mb):
        if i == cortar_en:
            await proxy.cut()  # the storage goes away in the middle of the upload
        yield b"x" * MIB
    if cortar_en == mb:
        await proxy.cut()
    yield f"\r\n--{FRONTERA}--\r\n".encode()


async def _archivos_de(escena: Escena, exp: Expediente) -> int:
    return int(await escena.sql("SELECT count(*) FROM archivos WHERE expediente_id = :e", e=exp.id))


async def _adjuntados(escena: Escena, exp: Expediente) -> int:
    return int(
        await escena.sql(
            "SELECT count(*) FROM outbox WHERE type = 'sigexp.archivo.adjuntado.v1' "
            "AND envelope->'data'->>'expediente_id' = :e",
            e=str(exp.id),
        )
    )


async def _subir_con_corte(
    escena: Escena, exp: Expediente, mb: int, cortar_en: int, paralelas: int = 3
) -> httpx.Response:
    """An upload whose storage (behind a proxy) is cut as `_cuerpo_que_corta` says, sent
    with `paralelas` parts going up at once."""
    settings: Settings = escena.app.state.settings
    host, port = settings.s3_endpoint.split(":")
    proxy = TcpProxy(host, int(port), free_port())
    await proxy.start()
    propio = escena.app.state.almacen
    escena.app.state.almacen = Almacen(
        settings.model_copy(
            update={"s3_endpoint": f"127.0.0.1:{proxy.port}", "s3_subidas_paralelas": paralelas}
        )
    )
    try:
        return await escena.cliente.post(
            f"/api/v1/expedientes/{exp.id}/archivos",
            content=_cuerpo_que_corta(proxy, mb, cortar_en),
            headers={
                **escena.auth(mesa=exp.mesa),
                "Content-Type": f"multipart/form-data; boundary={FRONTERA}",
            },
        )
    finally:
        escena.app.state.almacen = propio
        await proxy.cut()


async def _nada_quedo(escena: Escena, exp: Expediente, antes: set[str]) -> None:
    """No row, no object (the multipart upload never completed), no event; the pending
    record (the object could not be removed either: no storage) is `reconciliar`'s."""
    assert await _archivos_de(escena, exp) == 0
    assert escena.claves() == antes
    assert await _adjuntados(escena, exp) == 0
    pendientes = await escena.filas("SELECT objeto FROM objetos_pendientes")
    assert len(pendientes) == 1
    informe = await reconciliar(escena, gracia_minutos=0)
    assert informe["pendientes_descartados"] == [pendientes[0].objeto]
    assert await escena.sql("SELECT count(*) FROM objetos_pendientes") == 0
    assert await escena.denegados("archivo.subir", exp.id) == ["503"]


async def test_si_el_almacenamiento_cae_a_mitad_de_subida_no_queda_nada(escena: Escena) -> None:
    exp = await escena.expediente()
    antes = escena.claves()

    # One part at a time: the client is still sending when the storage's refusal arrives.
    r = await _subir_con_corte(escena, exp, mb=18, cortar_en=7, paralelas=1)

    assert r.status_code == 503
    assert r.json()["detail"].startswith("No se pudo guardar el archivo")
    await _nada_quedo(escena, exp, antes)


async def test_si_el_almacenamiento_cae_con_la_ultima_parte_no_queda_nada(
    escena: Escena,
) -> None:
    """The whole body was read (rows written meanwhile) when the last part and the object's
    completion fail: nothing commits."""
    exp = await escena.expediente()
    antes = escena.claves()

    r = await _subir_con_corte(escena, exp, mb=12, cortar_en=12)

    assert r.status_code == 503
    assert r.json()["detail"].startswith("No se pudo guardar el archivo")
    await _nada_quedo(escena, exp, antes)


async def test_si_el_commit_falla_el_objeto_ya_escrito_se_borra(escena: Escena) -> None:
    exp = await escena.expediente()
    contenido = pdf("rechazado por la base", relleno=200_000)
    sha = hashlib.sha256(contenido).hexdigest()
    antes = escena.claves()
    # A real constraint of PostgreSQL refuses this one version at commit time, after its
    # bytes are in the bucket.
    await escena.ejecutar(
        "ALTER TABLE archivo_versiones ADD CONSTRAINT prueba_commit_fallido "
        f"CHECK (sha256 <> '{sha}')"
    )
    try:
        r = await escena.subir(exp, contenido, "rechazado.pdf")
    finally:
        await escena.ejecutar("ALTER TABLE archivo_versiones DROP CONSTRAINT prueba_commit_fallido")

    assert r.status_code == 409
    assert await _archivos_de(escena, exp) == 0
    assert escena.claves() == antes
    assert await escena.sql("SELECT count(*) FROM objetos_pendientes") == 0
    assert await escena.eventos("sigexp.archivo.adjuntado.v1", exp.id) == []
    ok = await escena.subir(exp, pdf("otro"), "otro.pdf")  # the next one goes through
    assert ok.status_code == 201


def _poner(escena: Escena, clave: str, datos: bytes = b"%PDF-1.4 sobrante") -> None:
    escena.minio.put_object(BUCKET, clave, io.BytesIO(datos), len(datos))


@pytest.fixture
async def sin_pendientes(escena: Escena) -> AsyncIterator[None]:
    await escena.ejecutar("DELETE FROM objetos_pendientes")
    yield
    await escena.ejecutar("DELETE FROM objetos_pendientes")


@pytest.mark.usefixtures("sin_pendientes")
async def test_reconciliar_arregla_lo_sembrado_y_no_toca_lo_demas(escena: Escena) -> None:
    exp = await escena.expediente()
    huerfano = clave_objeto(uuid7())
    muerto = clave_objeto(uuid7())  # an upload whose process died before its commit
    en_curso = clave_objeto(uuid7())  # an upload still streaming
    ajenos = [f"archivos/{uuid7()}/v1/miniatura.png", f"miniaturas/{uuid7()}.png"]
    for clave in (huerfano, muerto, en_curso, *ajenos):
        _poner(escena, clave)
    hace_dos_horas = utcnow() - timedelta(hours=2)
    await escena.ejecutar(
        "INSERT INTO objetos_pendientes (objeto, creado_en) VALUES (:m, :viejo), (:c, now())",
        m=muerto,
        c=en_curso,
        viejo=hace_dos_horas,
    )
    perdido = (await escena.subir(exp, pdf("perdido"), "perdido.pdf")).json()["id"]
    (objeto_perdido,) = await escena.filas(
        "SELECT objeto FROM archivo_versiones WHERE archivo_id = :a",
        a=uuid.UUID(perdido),
    )
    escena.minio.remove_object(BUCKET, objeto_perdido.objeto)  # lost outside the service

    informe = await reconciliar(escena, gracia_minutos=60)

    assert informe["huerfanos_borrados"] == [huerfano]
    assert informe["pendientes_descartados"] == [muerto]
    assert informe["pendientes_en_curso"] == 1
    assert informe["faltantes_marcados"] == [objeto_perdido.objeto]
    quedan = {o.object_name for o in escena.minio.list_objects(BUCKET, recursive=True)}
    assert huerfano not in quedan
    assert muerto not in quedan
    assert {en_curso, *ajenos} <= quedan
    lector = escena.auth("CONSULTA", exp.mesa)
    descarga = await escena.cliente.get(f"/api/v1/archivos/{perdido}/contenido", headers=lector)
    assert descarga.status_code == 409
    assert "no está en el almacenamiento" in descarga.json()["detail"]
    lista = await escena.cliente.get(f"/api/v1/expedientes/{exp.id}/archivos", headers=lector)
    assert lista.json()["items"][0]["versiones"][0]["disponible"] is False

    _poner(escena, objeto_perdido.objeto, pdf("perdido"))  # restored from a backup
    otra = await reconciliar(escena, gracia_minutos=60)
    assert otra["restaurados"] == [objeto_perdido.objeto]
    assert otra["huerfanos_borrados"] == otra["faltantes_marcados"] == []
    de_nuevo = await escena.cliente.get(f"/api/v1/archivos/{perdido}/contenido", headers=lector)
    assert de_nuevo.content == pdf("perdido")


@pytest.mark.usefixtures("sin_pendientes")
async def test_una_subida_que_reconciliar_dio_por_muerta_falla_limpia(escena: Escena) -> None:
    """An upload that outlasts the grace period finds its record claimed when it commits: it
    answers 409 and writes no row (its object is reconciliar's to remove)."""
    exp = await escena.expediente()
    liberar = asyncio.Event()
    reclamado: dict = {}

    async def cuerpo() -> AsyncIterator[bytes]:
        yield (
            f'--{FRONTERA}\r\nContent-Disposition: form-data; name="archivo"; '
            'filename="lento.pdf"\r\n\r\n%PDF-1.4\n'
        ).encode()
        yield b"x" * 1000
        await liberar.wait()
        yield f"\r\n--{FRONTERA}--\r\n".encode()

    async def reconciliar_a_mitad() -> None:
        async def hay_pendiente() -> bool:
            return bool(await escena.sql("SELECT count(*) FROM objetos_pendientes"))

        await wait_until(hay_pendiente)
        reclamado.update(await reconciliar(escena, gracia_minutos=0))
        liberar.set()

    subida = escena.cliente.post(
        f"/api/v1/expedientes/{exp.id}/archivos",
        content=cuerpo(),
        headers={
            **escena.auth(mesa=exp.mesa),
            "Content-Type": f"multipart/form-data; boundary={FRONTERA}",
        },
    )
    r, _ = await asyncio.gather(subida, reconciliar_a_mitad())

    assert r.status_code == 409
    assert "tardó demasiado" in r.json()["detail"]
    assert len(reclamado["pendientes_descartados"]) == 1
    assert await _archivos_de(escena, exp) == 0
