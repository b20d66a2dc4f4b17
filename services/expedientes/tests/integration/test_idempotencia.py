"""A clerk's double click or a client's retry with the same Idempotency-Key starts one
expediente, and gets the first answer again."""

from __future__ import annotations

import asyncio
import uuid

import httpx

DATOS = {"extracto": "Solicitud repetida por doble clic", "tomos": 1, "fojas": 2}


async def _cuantos(cliente: httpx.AsyncClient, mesa) -> int:
    r = await cliente.get("/api/v1/expedientes", params={"limit": 200}, headers=mesa.headers())
    return len(r.json()["items"])


async def test_reintento_con_la_misma_clave_responde_lo_mismo_y_no_duplica(
    cliente: httpx.AsyncClient, mesa
) -> None:
    headers = {**mesa.headers(), "Idempotency-Key": str(uuid.uuid4())}
    primera = await cliente.post("/api/v1/expedientes", json=DATOS, headers=headers)
    segunda = await cliente.post("/api/v1/expedientes", json=DATOS, headers=headers)
    assert (primera.status_code, segunda.status_code) == (201, 201)
    assert segunda.json() == primera.json()
    assert segunda.headers["idempotent-replayed"] == "true"
    assert await _cuantos(cliente, mesa) == 1


async def test_doble_clic_simultaneo_inicia_un_solo_expediente(
    cliente: httpx.AsyncClient, mesa
) -> None:
    headers = {**mesa.headers(), "Idempotency-Key": str(uuid.uuid4())}
    respuestas = await asyncio.gather(
        *(cliente.post("/api/v1/expedientes", json=DATOS, headers=headers) for _ in range(4))
    )
    creadas = [r for r in respuestas if r.status_code == 201]
    en_curso = [r for r in respuestas if r.status_code == 409]
    assert len(creadas) + len(en_curso) == 4
    assert len({r.json()["id"] for r in creadas}) == 1
    assert all(r.headers["retry-after"] == "1" for r in en_curso)
    assert await _cuantos(cliente, mesa) == 1


async def test_la_misma_clave_con_otros_datos_es_422(cliente: httpx.AsyncClient, mesa) -> None:
    headers = {**mesa.headers(), "Idempotency-Key": str(uuid.uuid4())}
    await cliente.post("/api/v1/expedientes", json=DATOS, headers=headers)
    otra = await cliente.post("/api/v1/expedientes", json={**DATOS, "fojas": 99}, headers=headers)
    assert otra.status_code == 422
    assert "ya se usó con otra solicitud" in otra.json()["detail"]


async def test_un_pedido_rechazado_no_gasta_la_clave(cliente: httpx.AsyncClient, mesa) -> None:
    clave = str(uuid.uuid4())
    invalido = await cliente.post(
        "/api/v1/expedientes",
        json={**DATOS, "numero": 5, "anio": 2020},
        headers={**mesa.headers("OFICINA"), "Idempotency-Key": clave},
    )
    assert invalido.status_code == 403
    valido = await cliente.post(
        "/api/v1/expedientes",
        json={**DATOS, "numero": 5, "anio": 2020},
        headers={**mesa.headers(), "Idempotency-Key": clave},
    )
    assert valido.status_code == 201


async def test_la_clave_es_de_cada_usuario(cliente: httpx.AsyncClient, mesa, otra_mesa) -> None:
    clave = str(uuid.uuid4())
    una = await cliente.post(
        "/api/v1/expedientes", json=DATOS, headers={**mesa.headers(), "Idempotency-Key": clave}
    )
    otra = await cliente.post(
        "/api/v1/expedientes",
        json=DATOS,
        headers={**otra_mesa.headers(), "Idempotency-Key": clave},
    )
    assert (una.status_code, otra.status_code) == (201, 201)
    assert una.json()["id"] != otra.json()["id"]
