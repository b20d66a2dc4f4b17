"""Versions and downloads: a new version keeps the earlier ones readable, a deleted archivo
leaves the list but not the history, downloads stream with Range or go to a presigned URL
that expires; every download is recorded."""

from __future__ import annotations

import uuid
from urllib.parse import unquote

import httpx
from archivos_escena import Escena, Expediente, pdf, png

from sigexp_testing.waiting import wait_until


async def _archivo(escena: Escena, exp: Expediente, contenido: bytes, nombre: str) -> str:
    r = await escena.subir(exp, contenido, nombre)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _reemplazar(
    escena: Escena, exp: Expediente, archivo_id: str, contenido: bytes, nombre: str
) -> httpx.Response:
    return await escena.cliente.put(
        f"/api/v1/archivos/{archivo_id}",
        files={"archivo": (nombre, contenido, "application/octet-stream")},
        headers=escena.auth(mesa=exp.mesa),
    )


async def test_una_version_nueva_deja_leer_las_anteriores(escena: Escena) -> None:
    exp = await escena.expediente()
    primera, segunda = pdf("primera"), png()
    archivo_id = await _archivo(escena, exp, primera, "acta.pdf")

    r = await _reemplazar(escena, exp, archivo_id, segunda, "acta escaneada.png")

    assert r.status_code == 200, r.text
    assert (r.json()["version"], r.json()["nombre"], r.json()["tipo_mime"]) == (
        2,
        "acta escaneada.png",
        "image/png",
    )
    lector = escena.auth("CONSULTA", exp.mesa)
    versiones = await escena.cliente.get(f"/api/v1/archivos/{archivo_id}/versiones", headers=lector)
    assert [(v["version"], v["nombre"]) for v in versiones.json()["items"]] == [
        (1, "acta.pdf"),
        (2, "acta escaneada.png"),
    ]
    actual = await escena.cliente.get(f"/api/v1/archivos/{archivo_id}/contenido", headers=lector)
    v1 = await escena.cliente.get(
        f"/api/v1/archivos/{archivo_id}/versiones/1/contenido", headers=lector
    )
    v3 = await escena.cliente.get(
        f"/api/v1/archivos/{archivo_id}/versiones/3/contenido", headers=lector
    )
    assert (actual.content, actual.headers["content-type"]) == (segunda, "image/png")
    assert (v1.content, v1.headers["content-type"]) == (primera, "application/pdf")
    assert v3.status_code == 404
    (reemplazado,) = await escena.eventos("sigexp.archivo.reemplazado.v1", archivo_id)
    assert (reemplazado["sequence"], reemplazado["data"]["version"]) == (2, 2)
    assert reemplazado["data"]["sha256"] == r.json()["sha256"]


async def test_eliminar_lo_saca_de_la_lista_y_conserva_historia_y_bytes(escena: Escena) -> None:
    exp = await escena.expediente()
    archivo_id = await _archivo(escena, exp, pdf("borrable"), "borrable.pdf")
    queda = await _archivo(escena, exp, pdf("queda"), "queda.pdf")

    baja = await escena.cliente.delete(
        f"/api/v1/archivos/{archivo_id}", headers=escena.auth(mesa=exp.mesa)
    )

    assert baja.status_code == 204
    lista = await escena.cliente.get(
        f"/api/v1/expedientes/{exp.id}/archivos", headers=escena.auth("CONSULTA", exp.mesa)
    )
    assert [i["id"] for i in lista.json()["items"]] == [queda]
    historia = await escena.cliente.get(
        f"/api/v1/archivos/{archivo_id}/versiones", headers=escena.auth("CONSULTA", exp.mesa)
    )
    assert [v["version"] for v in historia.json()["items"]] == [1]
    bytes_ = await escena.cliente.get(
        f"/api/v1/archivos/{archivo_id}/versiones/1/contenido",
        headers=escena.auth("AUTORIDAD"),
    )
    assert bytes_.content == pdf("borrable")
    otra_vez = await escena.cliente.delete(
        f"/api/v1/archivos/{archivo_id}", headers=escena.auth(mesa=exp.mesa)
    )
    nueva_version = await _reemplazar(escena, exp, archivo_id, pdf(), "x.pdf")
    assert otra_vez.status_code == nueva_version.status_code == 409
    (evento,) = await escena.eventos("sigexp.archivo.eliminado.v1", archivo_id)
    assert evento["data"]["nombre"] == "borrable.pdf"
    assert len(await escena.auditados("archivo.eliminar", f"archivo/{archivo_id}")) == 2


async def test_solo_carga_reemplaza_y_elimina(escena: Escena) -> None:
    exp = await escena.expediente()
    archivo_id = await _archivo(escena, exp, pdf(), "a.pdf")
    for perfil in ("MESA_ENTRADA", "CONSULTA", "ADMIN"):
        auth = escena.auth(perfil, exp.mesa)
        baja = await escena.cliente.delete(f"/api/v1/archivos/{archivo_id}", headers=auth)
        reemplazo = await escena.cliente.put(
            f"/api/v1/archivos/{archivo_id}",
            files={"archivo": ("b.pdf", pdf(), "application/pdf")},
            headers=auth,
        )
        assert baja.status_code == reemplazo.status_code == 403, perfil


async def test_descarga_con_rango_responde_206_y_fuera_de_rango_416(escena: Escena) -> None:
    exp = await escena.expediente()
    contenido = pdf("rangos", relleno=300_000)
    archivo_id = await _archivo(escena, exp, contenido, "rangos.pdf")
    url = f"/api/v1/archivos/{archivo_id}/contenido"
    lector = escena.auth("CONSULTA", exp.mesa)

    entero = await escena.cliente.get(url, headers=lector)
    medio = await escena.cliente.get(url, headers={**lector, "Range": "bytes=1000-1999"})
    cola = await escena.cliente.get(url, headers={**lector, "Range": "bytes=-100"})
    desde = await escena.cliente.get(url, headers={**lector, "Range": "bytes=300000-"})
    fuera = await escena.cliente.get(url, headers={**lector, "Range": f"bytes={len(contenido)}-"})

    assert (entero.status_code, entero.content) == (200, contenido)
    assert entero.headers["accept-ranges"] == "bytes"
    assert entero.headers["content-length"] == str(len(contenido))
    assert (medio.status_code, medio.content) == (206, contenido[1000:2000])
    assert medio.headers["content-range"] == f"bytes 1000-1999/{len(contenido)}"
    assert (cola.status_code, cola.content) == (206, contenido[-100:])
    assert (desde.status_code, desde.content) == (206, contenido[300000:])
    assert fuera.status_code == 416
    assert fuera.headers["content-range"] == f"bytes */{len(contenido)}"
    registros = await escena.auditados("archivo.descargar", f"archivo/{archivo_id}")
    assert [r["detalle"].get("rango") for r in registros] == [
        None,
        "1000-1999",
        f"{len(contenido) - 100}-{len(contenido) - 1}",
        f"300000-{len(contenido) - 1}",
    ]


async def test_el_nombre_original_vuelve_seguro_en_content_disposition(escena: Escena) -> None:
    exp = await escena.expediente()
    nombre = 'Resolución "final"; 50%\r\n.pdf'
    archivo_id = await _archivo(escena, exp, pdf(), nombre)

    r = await escena.cliente.get(
        f"/api/v1/archivos/{archivo_id}/contenido", headers=escena.auth("CONSULTA", exp.mesa)
    )

    disposicion = r.headers["content-disposition"]
    guardado = 'Resolución "final"; 50%.pdf'  # control characters dropped, the rest kept
    assert disposicion.startswith('attachment; filename="Resolucion _final__ 50_.pdf"; ')
    assert disposicion.endswith("filename*=UTF-8''" + disposicion.rsplit("''", 1)[1])
    assert unquote(disposicion.rsplit("''", 1)[1]) == guardado
    assert r.headers["x-content-type-options"] == "nosniff"


async def test_descarga_presignada_redirige_y_la_url_vencida_es_403(escena: Escena) -> None:
    exp = await escena.expediente()
    contenido = pdf("firmada")
    archivo_id = await _archivo(escena, exp, contenido, "Nota Nº 7.pdf")

    # Valid long enough for the first GET on a loaded machine (1 s was not, once), short
    # enough to watch it expire.
    with escena.ajustado(descarga="presigned", descarga_presigned_segundos=5):
        r = await escena.cliente.get(
            f"/api/v1/archivos/{archivo_id}/contenido", headers=escena.auth("CONSULTA", exp.mesa)
        )

    assert r.status_code == 302
    destino = r.headers["location"]
    assert destino.startswith(f"http://{escena.s3.endpoint}/")
    async with httpx.AsyncClient() as directo:
        vigente = await directo.get(destino)
        assert (vigente.status_code, vigente.content) == (200, contenido)

        async def vencida() -> bool:
            return (await directo.get(destino)).status_code == 403

        await wait_until(vencida, timeout=30)
    (registro,) = await escena.auditados("archivo.descargar", f"archivo/{archivo_id}")
    assert registro["detalle"]["modo"] == "presigned"


async def test_por_defecto_la_url_presignada_vale_cinco_minutos(escena: Escena) -> None:
    exp = await escena.expediente()
    archivo_id = await _archivo(escena, exp, pdf(), "a.pdf")
    with escena.ajustado(descarga="presigned"):
        r = await escena.cliente.get(
            f"/api/v1/archivos/{archivo_id}/contenido", headers=escena.auth("CONSULTA", exp.mesa)
        )
    assert "X-Amz-Expires=300" in r.headers["location"]


async def test_archivo_de_reservado_ajeno_es_igual_que_uno_que_no_existe(escena: Escena) -> None:
    reservado, publico = await escena.expediente("RESERVADO"), await escena.expediente()
    de_reservado = await _archivo(escena, reservado, pdf(), "r.pdf")
    de_publico = await _archivo(escena, publico, pdf(), "p.pdf")
    ajena = escena.auth("CONSULTA", uuid.uuid4())

    respuestas = {
        nombre: await escena.cliente.get(f"/api/v1/archivos/{ident}/contenido", headers=ajena)
        for nombre, ident in (
            ("reservado", de_reservado),
            ("inexistente", uuid.uuid4()),
            ("publico", de_publico),
        )
    }

    assert respuestas["reservado"].status_code == respuestas["inexistente"].status_code == 404
    sin_instancia = [
        {k: v for k, v in respuestas[n].json().items() if k != "instance"}
        for n in ("reservado", "inexistente")
    ]
    assert sin_instancia[0] == sin_instancia[1]
    assert sin_instancia[0]["detail"] == "El archivo no existe."
    assert respuestas["publico"].status_code == 403
    autoridad = await escena.cliente.get(
        f"/api/v1/archivos/{de_reservado}/contenido", headers=escena.auth("AUTORIDAD")
    )
    assert autoridad.status_code == 200
