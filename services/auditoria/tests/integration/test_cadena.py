"""The audit record: every access is chained, queryable by ADMIN/AUTORIDAD, tamper-evident."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from sigexp_common.broker import Broker
from sigexp_common.envelope import Envelope
from sigexp_testing.tokens import TokenFactory
from sigexp_testing.waiting import wait_until


def _acceso(expediente_id: uuid.UUID, accion: str = "expediente.ver") -> Envelope:
    return Envelope(
        source="/sigexp/expedientes",
        type="sigexp.acceso.registrado.v1",
        subject=str(expediente_id),
        data={
            "en": "2026-11-20T10:00:00+00:00",
            "usuario_id": str(uuid.uuid4()),
            "usuario": "mesa.cap",
            "perfil": "MESA_ENTRADA",
            "ip": "10.1.2.3",
            "accion": accion,
            "recurso": f"expediente/{expediente_id}",
            "expediente_id": str(expediente_id),
        },
    )


def _de_la_prueba(items: list[dict]) -> list[dict]:
    """The records this test published (the queries themselves are audited too)."""
    return [i for i in items if i["accion"].startswith("expediente.accion")]


def _auth(tokens: TokenFactory, perfil: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.token(perfil)}"}


async def _publicar_y_esperar(
    bus: Broker, cliente: httpx.AsyncClient, tokens: TokenFactory, n: int
) -> uuid.UUID:
    expediente_id = uuid.uuid4()
    for i in range(n):
        evento = _acceso(expediente_id, f"expediente.accion{i}")
        await bus.publish(evento.to_bytes(), evento.type, message_id=str(evento.id))

    async def llegaron() -> bool:
        r = await cliente.get(
            "/api/v1/auditoria",
            params={"expediente_id": str(expediente_id)},
            headers=_auth(tokens, "ADMIN"),
        )
        return len(_de_la_prueba(r.json()["items"])) == n

    await wait_until(llegaron)
    return expediente_id


async def test_los_accesos_se_consultan_por_expediente_mas_nuevo_primero(
    servicio: tuple[FastAPI, httpx.AsyncClient], bus: Broker, tokens: TokenFactory
) -> None:
    _, cliente = servicio
    expediente_id = await _publicar_y_esperar(bus, cliente, tokens, 3)
    r = await cliente.get(
        "/api/v1/auditoria",
        params={"expediente_id": str(expediente_id)},
        headers=_auth(tokens, "AUTORIDAD"),
    )
    items = _de_la_prueba(r.json()["items"])
    assert [i["accion"] for i in items] == [f"expediente.accion{i}" for i in (2, 1, 0)]
    assert items[0]["usuario"]["usuario"] == "mesa.cap"
    assert items[0]["ip"] == "10.1.2.3"

    async def consulta_registrada() -> bool:
        """Consulting the audit record is itself audited: the polls' own records arrive by
        the bus like any other, so they are waited for, not assumed there already."""
        r = await cliente.get(
            "/api/v1/auditoria",
            params={"expediente_id": str(expediente_id)},
            headers=_auth(tokens, "AUTORIDAD"),
        )
        return any(i["accion"] == "auditoria.consultar" for i in r.json()["items"])

    await wait_until(consulta_registrada)


async def test_solo_admin_y_autoridad_consultan_la_auditoria(
    servicio: tuple[FastAPI, httpx.AsyncClient], tokens: TokenFactory
) -> None:
    _, cliente = servicio
    for perfil in ("MESA_ENTRADA", "OFICINA", "CARGA", "CONSULTA"):
        r = await cliente.get("/api/v1/auditoria", headers=_auth(tokens, perfil))
        assert r.status_code == 403, perfil
    r = await cliente.get("/api/v1/auditoria/verificacion", headers=_auth(tokens, "AUTORIDAD"))
    assert r.status_code == 403


async def test_un_perfil_sin_acceso_recibe_403_aunque_los_filtros_sean_invalidos(
    servicio: tuple[FastAPI, httpx.AsyncClient], tokens: TokenFactory
) -> None:
    _, cliente = servicio
    invalidos = {"limit": "999", "desde": "ayer", "expediente_id": "no-es-uuid"}
    r = await cliente.get("/api/v1/auditoria", params=invalidos, headers=_auth(tokens, "CONSULTA"))
    assert r.status_code == 403
    r = await cliente.get("/api/v1/auditoria", params=invalidos, headers=_auth(tokens, "ADMIN"))
    assert r.status_code == 422


CAMBIOS = (
    "UPDATE registros SET accion = 'x'",
    "DELETE FROM registros",
    "TRUNCATE registros",
)


async def test_la_base_rechaza_editar_borrar_o_vaciar_registros_aun_a_su_dueno(
    servicio: tuple[FastAPI, httpx.AsyncClient], bus: Broker, tokens: TokenFactory, dueno
) -> None:
    _, cliente = servicio
    await _publicar_y_esperar(bus, cliente, tokens, 1)
    for sql in CAMBIOS:
        with pytest.raises(DBAPIError, match="solo se pueden anexar"):
            async with dueno.begin() as conn:
                await conn.execute(text(sql))


async def test_el_rol_del_servicio_solo_puede_anexar_y_leer_la_cadena(
    servicio: tuple[FastAPI, httpx.AsyncClient], bus: Broker, tokens: TokenFactory
) -> None:
    app, cliente = servicio
    await _publicar_y_esperar(bus, cliente, tokens, 1)
    async with app.state.engine.connect() as conn:
        quien = (await conn.execute(text("SELECT current_user"))).scalar_one()
        assert quien == "sigexp_auditoria_servicio"
        assert (await conn.execute(text("SELECT count(*) FROM registros"))).scalar_one() >= 1
    for sql in (*CAMBIOS, "ALTER TABLE registros DISABLE TRIGGER registros_solo_anexar"):
        with pytest.raises(DBAPIError, match=r"permission denied|must be owner|privileges"):
            async with app.state.engine.begin() as conn:
                await conn.execute(text(sql))


async def test_verificacion_detecta_un_registro_alterado(
    servicio: tuple[FastAPI, httpx.AsyncClient], bus: Broker, tokens: TokenFactory, dueno
) -> None:
    _, cliente = servicio
    await _publicar_y_esperar(bus, cliente, tokens, 3)
    sana = await cliente.get("/api/v1/auditoria/verificacion", headers=_auth(tokens, "ADMIN"))
    assert sana.json()["ok"] is True
    assert sana.json()["registros"] >= 3

    async with dueno.connect() as conn:
        original = (await conn.execute(text(_PRIMERO.format(campo="usuario")))).scalar_one()
    await _como_intruso(dueno, "otro")
    try:
        alterada = await cliente.get(
            "/api/v1/auditoria/verificacion", headers=_auth(tokens, "ADMIN")
        )
        assert alterada.json()["ok"] is False
        assert "fue alterado" in alterada.json()["primer_error"]
    finally:  # the chain is the whole session's: put the row back for the other tests
        await _como_intruso(dueno, original)
    restaurada = await cliente.get("/api/v1/auditoria/verificacion", headers=_auth(tokens, "ADMIN"))
    assert restaurada.json()["ok"] is True


_PRIMERO = "SELECT {campo} FROM registros WHERE seq = (SELECT min(seq) FROM registros)"


async def _como_intruso(dueno, usuario: str | None) -> None:
    """Edit the first record as someone with table-owner rights (who can lift the trigger)."""
    async with dueno.begin() as conn:
        await conn.execute(text("ALTER TABLE registros DISABLE TRIGGER registros_solo_anexar"))
        await conn.execute(
            text("UPDATE registros SET usuario = :u WHERE seq = (SELECT min(seq) FROM registros)"),
            {"u": usuario},
        )
        await conn.execute(text("ALTER TABLE registros ENABLE TRIGGER registros_solo_anexar"))
