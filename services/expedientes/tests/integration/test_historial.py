"""The historial: one timeline, oldest first, of what expedientes did and what it heard from
pases and archivos; a received pase adds its fojas and tomos once, whatever the order or the
repetitions of the events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx

from sigexp_common.ids import uuid7

# Later than the test's alta however long after collection the test runs (a full suite: minutes).
INICIO = datetime.now(UTC) + timedelta(days=1)


def _actor(mesa, minutos: int) -> dict[str, object]:
    return {
        "por_usuario_id": str(uuid.uuid4()),
        "por_usuario": f"usuario.{str(mesa.id)[:4]}",
        "por_mesa_id": str(mesa.id),
        "en": (INICIO + timedelta(minutes=minutos)).isoformat(),
    }


def _pase(
    expediente_id: str, pase_id: uuid.UUID, de, a, por, minutos: int, **extra: object
) -> dict:
    """A pase event's payload from desk `de` to desk `a`, done by `por`'s desk."""
    return {
        "pase_id": str(pase_id),
        "expediente_id": expediente_id,
        "mesa_origen_id": str(de.id),
        "mesa_destino_id": str(a.id),
        "fojas_agregadas": 5,
        "tomos_agregados": 1,
        **_actor(por, minutos),
        **extra,
    }


async def test_el_historial_reune_todo_en_orden_y_las_fojas_se_suman_una_vez(
    cliente: httpx.AsyncClient, mesa, otra_mesa, acciones, eventos
) -> None:
    alta = await acciones.alta(mesa, fojas=10, tomos=1)
    ident = alta["id"]
    ida, vuelta = uuid7(), uuid7()
    archivo = uuid7()
    enviado = (
        "sigexp.pase.enviado.v1",
        _pase(ident, ida, mesa, otra_mesa, mesa, 1, permiso="ESCRITURA"),
    )
    recibido = (
        "sigexp.pase.recibido.v1",
        _pase(
            ident,
            ida,
            mesa,
            otra_mesa,
            otra_mesa,
            2,
            permiso="ESCRITURA",
            fojas_contadas=15,
            discrepancia=None,
        ),
    )
    adjuntado = (
        "sigexp.archivo.adjuntado.v1",
        {
            "archivo_id": str(archivo),
            "expediente_id": ident,
            "version": 1,
            "nombre": "nota.pdf",
            "tipo_mime": "application/pdf",
            "tamanio": 1200,
            "sha256": "0" * 64,
            "objeto": "x",
            **_actor(otra_mesa, 3),
        },
    )
    reemplazado = (
        "sigexp.archivo.reemplazado.v1",
        {**adjuntado[1], "version": 2, **_actor(otra_mesa, 4)},
    )
    vuelta_enviado = (
        "sigexp.pase.enviado.v1",
        _pase(
            ident,
            vuelta,
            otra_mesa,
            mesa,
            otra_mesa,
            5,
            permiso="LECTURA",
            fojas_agregadas=3,
            tomos_agregados=0,
        ),
    )
    vuelta_recibido = (
        "sigexp.pase.recibido.v1",
        _pase(ident, vuelta, otra_mesa, mesa, mesa, 6, fojas_agregadas=3, tomos_agregados=0),
    )
    revertido = (
        "sigexp.pase.revertido.v1",
        {
            **_pase(ident, vuelta, otra_mesa, mesa, mesa, 7, fojas_agregadas=3, tomos_agregados=0),
            "motivo": "Enviado por error",
            "habia_sido_recibido": True,
            "solicitud_id": str(uuid7()),
        },
    )
    rechazado = (
        "sigexp.pase.rechazado.v1",
        {**_pase(ident, uuid7(), mesa, otra_mesa, otra_mesa, 8), "motivo": "No corresponde"},
    )
    eliminado = (
        "sigexp.archivo.eliminado.v1",
        {
            "archivo_id": str(archivo),
            "expediente_id": ident,
            "nombre": "nota.pdf",
            **_actor(otra_mesa, 9),
        },
    )

    # Delivered out of order, and each pase fact twice: once repeated (the same event id), once
    # published again under a new id (a relay that sent it twice, a replay).
    orden = [
        revertido,
        vuelta_recibido,
        eliminado,
        recibido,
        adjuntado,
        rechazado,
        enviado,
        reemplazado,
        vuelta_enviado,
    ]
    publicados = [await eventos.publicar(tipo, datos, ident, None) for tipo, datos in orden]
    for evento in publicados:
        await eventos.repetir(evento)
    otra_vez = [
        await eventos.publicar(tipo, datos, ident, None)
        for tipo, datos in (recibido, revertido, vuelta_recibido)
    ]
    await eventos.consumidos(*publicados, *otra_vez)

    visto = (await cliente.get(f"/api/v1/expedientes/{ident}", headers=mesa.headers())).json()
    # 10 at the alta, +5 from the first pase; the second (+3) was reverted after arriving.
    assert (visto["fojas"], visto["tomos"], visto["version"]) == (15, 2, 1)
    r = await cliente.get(f"/api/v1/expedientes/{ident}/historial", headers=mesa.headers())
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [e["accion"] for e in items] == [
        "expediente.iniciado",
        "pase.enviado",
        "pase.recibido",
        "archivo.adjuntado",
        "archivo.reemplazado",
        "pase.enviado",
        "pase.recibido",
        "pase.revertido",
        "pase.rechazado",
        "archivo.eliminado",
    ]
    assert [e["en"] for e in items] == sorted(e["en"] for e in items)
    assert items[0]["mesa"]["id"] == str(mesa.id)
    assert items[2]["mesa"]["id"] == str(otra_mesa.id)
    assert items[2]["detalle"]["fojas_agregadas"] == 5
    assert items[7]["detalle"]["motivo"] == "Enviado por error"
    assert items[4]["detalle"]["version"] == 2
    assert all(set(e) == {"en", "accion", "usuario", "mesa", "detalle"} for e in items)


async def test_una_mesa_que_nunca_tuvo_un_reservado_recibe_404_en_detalle_historial_y_caratula(
    cliente: httpx.AsyncClient, mesa, otra_mesa, acciones
) -> None:
    reservado = await acciones.alta(mesa, caracter="RESERVADO", extracto="Sumario administrativo")
    inexistente = str(uuid7())
    for sufijo in ("", "/historial", "/caratula.pdf", "/anotaciones"):
        ajeno = await cliente.get(
            f"/api/v1/expedientes/{reservado['id']}{sufijo}", headers=otra_mesa.headers()
        )
        nada = await cliente.get(
            f"/api/v1/expedientes/{inexistente}{sufijo}", headers=otra_mesa.headers()
        )
        assert (ajeno.status_code, ajeno.json()["detail"]) == (404, "El expediente no existe."), (
            sufijo
        )
        assert nada.json()["detail"] == ajeno.json()["detail"]
        propio = await cliente.get(
            f"/api/v1/expedientes/{reservado['id']}{sufijo}", headers=mesa.headers()
        )
        assert propio.status_code == 200, sufijo
    # A PUBLICO one out of scope is 403 there too.
    publico = await acciones.alta(mesa)
    r = await cliente.get(
        f"/api/v1/expedientes/{publico['id']}/historial", headers=otra_mesa.headers()
    )
    assert r.status_code == 403
