"""The route shows each pase with its desks' names, its estado and discrepancia, and the dwell
time at each desk it reached."""

from __future__ import annotations

import uuid
from datetime import timedelta

import sembrado

DIA = 86400


def _auth(tokens, perfil: str, mesa_id: uuid.UUID | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.token(perfil, mesa_id=mesa_id)}"}


async def test_el_recorrido_muestra_mesas_por_nombre_y_cuanto_estuvo_en_cada_una(servicio, tokens):
    app, cliente = servicio
    cap = await sembrado.mesa(app, "CAP - Mesa de Entradas y Salidas")
    sgg = await sembrado.mesa(app, "SGG - Mesa de Entradas y Salidas")
    legales = await sembrado.mesa(app, "CAP - Oficina de Asuntos Legales")
    t0 = sembrado.hace(days=5)
    envio = await sembrado.envio(app, cap, sgg, 1, enviado_en=t0)
    (expediente_id,) = envio.expediente_ids
    await sembrado.recibir(app, envio.pase_ids[0], en=t0 + timedelta(hours=1), contadas=11)
    (segundo,) = await sembrado.reenvio(
        app, [expediente_id], sgg, legales, t0 + timedelta(hours=1, days=2)
    )
    await sembrado.recibir(app, segundo, en=t0 + timedelta(days=3))

    r = await cliente.get(
        f"/api/v1/expedientes/{expediente_id}/pases", headers=_auth(tokens, "OFICINA", legales)
    )
    assert r.status_code == 200, r.text
    primero, ultimo = r.json()["items"]
    assert (primero["mesa_origen_nombre"], primero["mesa_destino_nombre"]) == (
        "CAP - Mesa de Entradas y Salidas",
        "SGG - Mesa de Entradas y Salidas",
    )
    assert primero["estado"] == "RECIBIDO"
    assert primero["discrepancia"] == "fojas: se esperaban 12, se contaron 11."
    assert primero["permanencia_segundos"] == 2 * DIA  # received, then sent on two days later
    assert primero["permanencia_en_curso"] is False
    assert ultimo["mesa_destino_nombre"] == "CAP - Oficina de Asuntos Legales"
    assert ultimo["permanencia_en_curso"] is True
    assert 2 * DIA - 60 <= ultimo["permanencia_segundos"] <= 2 * DIA + 60  # still there
    assert r.json()["tenencia"]["mesa_id"] == str(legales)


async def test_un_pase_en_camino_no_tiene_permanencia_y_una_mesa_desconocida_no_tiene_nombre(
    servicio, tokens
):
    app, cliente = servicio
    origen = await sembrado.mesa(app, "Origen")
    sin_copia = uuid.uuid4()  # a desk pases has not heard of yet
    envio = await sembrado.envio(app, origen, sin_copia, 1)
    r = await cliente.get(
        f"/api/v1/expedientes/{envio.expediente_ids[0]}/pases",
        headers=_auth(tokens, "MESA_ENTRADA", origen),
    )
    (pase,) = r.json()["items"]
    assert pase["estado"] == "PENDIENTE"
    assert (pase["permanencia_segundos"], pase["permanencia_en_curso"]) == (None, False)
    assert (pase["mesa_origen_nombre"], pase["mesa_destino_nombre"]) == ("Origen", None)
