"""Hostile catalogue files: a YAML bomb, values that are not scalars, absurd nesting. Each is
refused fast with 422 naming what is wrong, and the service keeps answering meanwhile."""

from __future__ import annotations

import asyncio
import itertools
import time

NIVELES = "abcdefghi"


def bomba_yaml() -> bytes:
    """The probe's 387-byte file: nine levels of nested aliases (9**9 "lol" once expanded)."""
    lineas = ["# bomba!", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for anterior, nivel in itertools.pairwise(NIVELES):
        lineas.append(f"{nivel}: &{nivel} [" + ",".join([f"*{anterior}"] * 9) + "]")
    lineas.append(f"tipos:\n- codigo: BOMBA\n  nombre: *{NIVELES[-1]}")
    contenido = ("\n".join(lineas) + "\n").encode()
    assert len(contenido) == 387
    return contenido


async def _importar(api, nombre: str, contenido: bytes):
    return await api.client.post(
        "/api/v1/catalogo/importar",
        files={"archivo": (nombre, contenido, "application/octet-stream")},
        headers=await api.admin(),
    )


async def test_bomba_yaml_de_387_bytes_es_422_en_menos_de_un_segundo_y_el_servicio_responde(
    api, client
):
    cabecera = await api.admin()
    latencias: list[float] = []
    terminado = asyncio.Event()

    async def otras_consultas() -> None:
        while not terminado.is_set():
            inicio = time.perf_counter()
            r = await client.get("/api/v1/catalogo/tipos", headers=cabecera)
            assert r.status_code == 200
            latencias.append(time.perf_counter() - inicio)
            await asyncio.sleep(0.01)

    async def importar() -> tuple[object, float]:
        await asyncio.sleep(0.05)  # the other requests are already going
        inicio = time.perf_counter()
        try:
            return await _importar(api, "bomba.yaml", bomba_yaml()), time.perf_counter() - inicio
        finally:
            await asyncio.sleep(0.05)
            terminado.set()

    (r, segundos), _ = await asyncio.gather(importar(), otras_consultas())
    print(
        f"\n387-byte YAML bomb answered {r.status_code} in {segundos * 1000:.1f} ms; "
        f"{len(latencias)} other requests meanwhile, slowest {max(latencias) * 1000:.1f} ms"
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["campo"] == "archivo"
    assert "alias" in r.json()["detail"]
    assert segundos < 1.0
    assert latencias
    assert max(latencias) < 1.0


async def test_valores_que_no_son_texto_se_rechazan_nombrando_fila_y_campo(api):
    contenido = (
        b"organismos:\n"
        b"- codigo: 880001\n"
        b"  nombre: [uno, dos]\n"
        b"tipos:\n"
        b"- codigo: {a: 1}\n"
        b"  nombre: Tipo\n"
        b"  activo: [si]\n"
    )
    r = await _importar(api, "tipos.yaml", contenido)
    assert r.status_code == 422
    errores = {(e["campo"], e["mensaje"]) for e in r.json()["errors"]}
    assert ("fila 2: nombre", "Debe ser un texto, no una lista ni un objeto.") in errores
    assert ("fila 5: codigo", "Debe ser un texto, no una lista ni un objeto.") in errores
    assert ("fila 5: activo", "Debe ser sí o no (true/false).") in errores


async def test_anidamiento_absurdo_es_422_y_no_500(api):
    profundo = ("tipos:\n- codigo: HONDO\n  nombre: " + "[" * 5000 + "]" * 5000 + "\n").encode()
    r = await _importar(api, "hondo.yaml", profundo)
    assert r.status_code == 422
    assert r.json()["errors"][0]["campo"] == "archivo"
