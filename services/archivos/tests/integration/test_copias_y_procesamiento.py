"""The copies that decide uploads (lifecycle from expedientes' events, in any order) and what
the list shows of the digitisation workers' columns; concurrent new versions."""

from __future__ import annotations

import asyncio
import uuid

from archivos_escena import Escena, Expediente, pdf

from sigexp_common.ids import uuid7
from sigexp_testing.eventos import custodia_actualizada


async def test_actualizado_a_anulado_tambien_cierra_el_expediente(escena: Escena) -> None:
    exp = await escena.expediente()
    evento = await escena.publicar(
        "sigexp.expediente.actualizado.v1",
        {"expediente_id": str(exp.id), "caracter": "PUBLICO", "estado": "ANULADO"},
        3,
    )
    await escena.consumidos(evento)
    assert (await escena.subir(exp, pdf())).status_code == 409


async def test_anulado_antes_que_iniciado_sigue_anulado(escena: Escena) -> None:
    ident, mesa = uuid7(), uuid.uuid4()
    exp = Expediente(ident, mesa)
    anulado = await escena.publicar(
        "sigexp.expediente.anulado.v1", {"expediente_id": str(ident), "motivo": "x"}, 2
    )
    await escena.consumidos(anulado)
    assert (await escena.subir(exp, pdf())).status_code == 409  # not heard of yet: retry
    iniciado = await escena.publicar(
        "sigexp.expediente.iniciado.v1", {"expediente_id": str(ident), "caracter": "PUBLICO"}, 1
    )
    custodia = await escena.publicar(
        "sigexp.custodia.actualizada.v1",
        custodia_actualizada(ident, mesa),
        1,
    )
    await escena.consumidos(iniciado, custodia)
    r = await escena.subir(exp, pdf())
    assert r.status_code == 409
    assert r.json()["detail"] == "El expediente fue anulado: no admite cambios en sus archivos."


async def test_la_lista_muestra_el_progreso_que_escriben_los_workers(escena: Escena) -> None:
    exp = await escena.expediente()
    archivo_id = (await escena.subir(exp, pdf(), "escaneo.pdf")).json()["id"]
    await escena.ejecutar(  # what a digitisation worker writes while it works
        "UPDATE archivo_versiones SET estado_procesamiento = 'PROCESANDO', paginas = 12, "
        "paginas_procesadas = 5 WHERE archivo_id = :a",
        a=uuid.UUID(archivo_id),
    )
    lista = await escena.cliente.get(
        f"/api/v1/expedientes/{exp.id}/archivos", headers=escena.auth("CONSULTA", exp.mesa)
    )
    (item,) = lista.json()["items"]
    assert (item["estado_procesamiento"], item["paginas"], item["progreso"]) == (
        "PROCESANDO",
        12,
        {"hechas": 5, "total": 12},
    )
    assert item["versiones"][0]["progreso"] == {"hechas": 5, "total": 12}
    (registro,) = await escena.auditados("archivo.listar", f"expediente/{exp.id}")
    assert registro["detalle"]["archivos"] == 1


async def test_dos_versiones_a_la_vez_reciben_numeros_distintos(escena: Escena) -> None:
    exp = await escena.expediente()
    archivo_id = (await escena.subir(exp, pdf("v1"), "a.pdf")).json()["id"]

    async def reemplazar(texto: str) -> int:
        r = await escena.cliente.put(
            f"/api/v1/archivos/{archivo_id}",
            files={"archivo": (f"{texto}.pdf", pdf(texto), "application/pdf")},
            headers=escena.auth(mesa=exp.mesa),
        )
        assert r.status_code == 200, r.text
        return int(r.json()["version"])

    numeros = await asyncio.gather(reemplazar("b"), reemplazar("c"))
    assert sorted(numeros) == [2, 3]
    versiones = await escena.filas(
        "SELECT n, objeto FROM archivo_versiones WHERE archivo_id = :a ORDER BY n",
        a=uuid.UUID(archivo_id),
    )
    assert [v.n for v in versiones] == [1, 2, 3]
    assert len({v.objeto for v in versiones}) == 3
