"""The printed remito (A4 PDF with a QR code) and its public verification: the QR decoded from
the rendered page leads to what the remito lists, without RESERVADO extracts."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import sembrado
from sqlalchemy import select

from pases.service.remitos import LimitePorDireccion
from sigexp_common.audit import AccesoRegistrado
from sigexp_common.db import transaction
from sigexp_common.messaging_tables import OutboxMessage
from sigexp_testing.apps import from_gateway


def _auth(tokens, perfil: str, mesa_id: uuid.UUID | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.token(perfil, mesa_id=mesa_id)}"}


def _qr_de_la_primera_pagina(pdf: bytes, carpeta: Path) -> str:
    (carpeta / "remito.pdf").write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "110",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(carpeta / "remito.pdf"),
            str(carpeta / "remito"),
        ],
        check=True,
    )
    leido = subprocess.run(
        ["zbarimg", "-q", "--raw", str(carpeta / "remito.png")],
        check=True,
        capture_output=True,
        text=True,
    )
    return leido.stdout.strip()


def _texto(pdf: bytes, carpeta: Path) -> str:
    (carpeta / "texto.pdf").write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(carpeta / "texto.pdf"), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


async def test_el_qr_del_remito_impreso_lleva_a_su_verificacion_sin_extractos_reservados(
    servicio, tokens, tmp_path
):
    app, cliente = servicio
    origen = await sembrado.mesa(app, "CAP - Mesa de Entradas y Salidas", "CONSEJO AGRARIO")
    destino = await sembrado.mesa(app, "SGG - Mesa de Entradas y Salidas", "SECRETARÍA GENERAL")
    envio = await sembrado.envio(app, origen, destino, 3, reservados=(1,))
    r = await cliente.get(
        f"/api/v1/remitos/{envio.remito_id}.pdf", headers=_auth(tokens, "MESA_ENTRADA", origen)
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    texto = _texto(r.content, tmp_path)
    assert "REMITO N.º" in texto
    assert "CAP - Mesa de Entradas y Salidas" in texto
    assert "SGG - Mesa de Entradas y Salidas" in texto
    assert "mesa.prueba" in texto
    assert all(ref in texto for ref in envio.referencias)
    reservada = envio.referencias[1]
    assert f"Extracto del expediente {reservada}" not in texto
    assert "RESERVADO" in texto
    assert f"Extracto del expediente {envio.referencias[0]}" in texto
    assert "Firma" in texto
    assert "Aclaración" in texto

    url = _qr_de_la_primera_pagina(r.content, tmp_path)
    assert url == f"http://127.0.0.1:8000/api/v1/remitos/verificar/{envio.codigo}"

    verificacion = await cliente.get(url.removeprefix("http://127.0.0.1:8000"))  # no token
    assert verificacion.status_code == 200, verificacion.text
    body = verificacion.json()
    assert (body["valido"], body["cantidad"], body["recibidos"]) == (True, 3, 0)
    assert body["mesa_origen"] == {"id": str(origen), "nombre": "CAP - Mesa de Entradas y Salidas"}
    por_referencia = {i["referencia"]: i for i in body["items"]}
    assert set(por_referencia) == set(envio.referencias)
    assert por_referencia[reservada]["extracto"] is None
    assert por_referencia[envio.referencias[0]]["extracto"].startswith("Extracto del expediente")
    assert "observaci" not in verificacion.text.lower()

    desde_la_calle = await cliente.get(
        url.removeprefix("http://127.0.0.1:8000"), headers=from_gateway("10.20.30.40")
    )
    assert desde_la_calle.status_code == 200
    async with transaction(app.state.sessions) as db:
        registros = (
            await db.scalars(
                select(OutboxMessage.envelope).where(
                    OutboxMessage.type == AccesoRegistrado.event_type,
                    OutboxMessage.subject == f"remito/{envio.remito_id}",
                )
            )
        ).all()
    verificaciones = [r["data"] for r in registros if r["data"]["accion"] == "remito.verificar"]
    assert len(verificaciones) == 2
    assert all(v["usuario_id"] is None for v in verificaciones)
    assert "10.20.30.40" in {v["ip"] for v in verificaciones}

    await sembrado.recibir(app, envio.pase_ids[0])
    body = (await cliente.get(url.removeprefix("http://127.0.0.1:8000"))).json()
    recibido = {i["referencia"]: i["recibido"] for i in body["items"]}
    assert recibido == {
        envio.referencias[0]: True,
        envio.referencias[1]: False,
        envio.referencias[2]: False,
    }
    assert body["recibidos"] == 1


async def test_el_remito_lo_imprimen_sus_dos_mesas_autoridad_y_admin_y_nadie_mas(servicio, tokens):
    app, cliente = servicio
    origen = await sembrado.mesa(app, "Origen")
    destino = await sembrado.mesa(app, "Destino")
    otra = await sembrado.mesa(app, "Otra")
    envio = await sembrado.envio(app, origen, destino)
    ruta = f"/api/v1/remitos/{envio.remito_id}.pdf"
    for perfil, mesa in (("OFICINA", otra), ("CONSULTA", None)):
        r = await cliente.get(ruta, headers=_auth(tokens, perfil, mesa))
        assert r.status_code == 404, r.text
        assert r.json()["detail"] == "El remito no existe."
    desconocido = await cliente.get(
        f"/api/v1/remitos/{uuid.uuid4()}.pdf", headers=_auth(tokens, "ADMIN", None)
    )
    assert desconocido.status_code == 404
    for perfil, mesa in (("AUTORIDAD", None), ("ADMIN", None), ("OFICINA", destino)):
        assert (await cliente.get(ruta, headers=_auth(tokens, perfil, mesa))).status_code == 200
    async with transaction(app.state.sessions) as db:
        registros = (
            await db.scalars(
                select(OutboxMessage.envelope).where(
                    OutboxMessage.type == AccesoRegistrado.event_type,
                    OutboxMessage.subject == f"remito/{envio.remito_id}",
                )
            )
        ).all()
    resultados = sorted(r["data"]["resultado"] for r in registros)
    assert resultados == ["DENEGADO", "DENEGADO", "ok", "ok", "ok"]
    assert {r["data"]["accion"] for r in registros} == {"remito.ver"}


async def test_un_codigo_desconocido_es_404_y_las_verificaciones_tienen_limite(servicio):
    app, cliente = servicio
    r = await cliente.get("/api/v1/remitos/verificar/no-existe-este-codigo-123")
    assert r.status_code == 404
    assert r.json()["detail"] == "El remito no existe."
    anterior = getattr(app.state, "limite_verificaciones", None)
    app.state.limite_verificaciones = LimitePorDireccion(3)
    try:
        desde = from_gateway("10.9.8.7")
        estados = [
            (await cliente.get(f"/api/v1/remitos/verificar/x{i:011d}", headers=desde)).status_code
            for i in range(4)
        ]
        otra = await cliente.get(
            "/api/v1/remitos/verificar/x00000000009", headers=from_gateway("10.9.8.6")
        )
    finally:
        app.state.limite_verificaciones = anterior
    assert estados == [404, 404, 404, 429]
    assert otra.status_code == 404
