"""Property (hypothesis, against the real service, PostgreSQL and RabbitMQ): whatever the
expedientes and the events about them, in whatever order and repeated, no word written into a
RESERVADO expediente (its extracto, the observaciones, motivos and discrepancias of its pases
and its anulación) ever reaches a ministry: neither the public stream `sigexp.publico` nor a
webhook's payload. A PUBLICO expediente's extracto does reach both."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from integraciones_ayudas import (
    Certificado,
    DestinoWebhook,
    iniciado,
    interno,
    oyente_publico,
    pase_enviado,
    publicar,
)

from sigexp_common.broker import Broker
from sigexp_common.envelope import Envelope, utcnow
from sigexp_testing.infra import TestInfra
from sigexp_testing.waiting import wait_until

RUTA = "/api/v1/integraciones/suscriptores"
PALABRA = st.text(st.sampled_from("abcdefghijklmnñopqrstuvwxyzáéíóúü"), min_size=3, max_size=10)
TIPOS = ["actualizado", "anulado", "enviado", "recibido", "rechazado", "revertido"]
EXPEDIENTE = st.tuples(
    st.sampled_from(["RESERVADO", "PUBLICO"]),
    st.lists(PALABRA, min_size=1, max_size=4),
    st.lists(st.sampled_from(TIPOS), max_size=6),
)
EJEMPLO = st.tuples(
    st.lists(EXPEDIENTE, min_size=1, max_size=4),
    st.randoms(use_true_random=False),
    st.booleans(),
)


@dataclass
class Lote:
    """The events of one example and what must (and must not) come out of them."""

    sobres: list[Envelope] = field(default_factory=list)
    secretas: set[str] = field(default_factory=set)
    publicos: dict[str, str] = field(default_factory=dict)  # expediente id -> its extracto
    numero: int = 0

    def texto(self, caracter: str, palabras: list[str]) -> str:
        """Words of an expediente: those of a RESERVADO one made unique (`R<n>x<word>`), so
        that no public text can hold them by chance."""
        if caracter != "RESERVADO":
            return "público " + " ".join(palabras)
        marcadas = []
        for palabra in palabras:
            self.numero += 1
            marcadas.append(f"R{self.numero}x{palabra}")
        self.secretas.update(marcadas)
        return "Asunto " + " ".join(marcadas)


def _de_pase(
    tipo: str, exp: uuid.UUID, origen: uuid.UUID, destino: uuid.UUID, v: int, texto: str
) -> Envelope:
    datos: dict[str, Any] = {
        "pase_id": str(uuid.uuid4()),
        "expediente_id": str(exp),
        "mesa_origen_id": str(origen),
        "mesa_destino_id": str(destino),
        "permiso": "ESCRITURA",
        "fojas_agregadas": 0,
        "tomos_agregados": 0,
        "por_usuario_id": str(uuid.uuid4()),
        "por_usuario": "mesa.prueba",
        "por_mesa_id": str(destino),
        "en": utcnow().isoformat(),
    }
    if tipo == "recibido":
        datos |= {"fojas_contadas": None, "tomos_contadas": None, "discrepancia": texto}
    else:
        datos["motivo"] = texto
    return interno(f"sigexp.pase.{tipo}.v1", datos, v)


def _de_expediente(tipo: str, exp: uuid.UUID, caracter: str, v: int, texto: str) -> Envelope:
    comunes = {"expediente_id": str(exp), "referencia": f"EXP-{exp.hex[:8]}", "version": v}
    comunes |= {"por_usuario_id": str(uuid.uuid4()), "por_usuario": "mesa.prueba"}
    comunes |= {"por_mesa_id": None, "en": utcnow().isoformat()}
    if tipo == "anulado":
        return interno(
            "sigexp.expediente.anulado.v1", {**comunes, "motivo": texto}, v, "expedientes"
        )
    datos = {
        **comunes,
        "codigo": "100111",
        "numero": 1,
        "letras": None,
        "anio": 2026,
        "extracto": texto,
        "numero_instrumento": None,
        "numero_gde": None,
        "tipo": "NOTA",
        "caracter": caracter,
        "estado": "EN_TRAMITE",
        "tomos": 1,
        "fojas": 3,
        "cambios": [{"campo": "extracto", "antes": None, "despues": texto}],
    }
    return interno("sigexp.expediente.actualizado.v1", datos, v, "expedientes")


def _lote(expedientes: list[tuple[str, list[str], list[str]]]) -> Lote:
    lote = Lote()
    for caracter, palabras, tipos in expedientes:
        exp, origen, destino = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        extracto = lote.texto(caracter, palabras)
        lote.sobres.append(iniciado(exp, caracter, mesa_id=origen, extracto=extracto))
        if caracter == "PUBLICO":
            lote.publicos[str(exp)] = extracto
        for v, tipo in enumerate(tipos, start=2):
            texto = lote.texto(caracter, palabras)
            if tipo == "enviado":
                sobre = pase_enviado(exp, origen, destino, version=v, observaciones=texto)
            elif tipo in ("actualizado", "anulado"):
                sobre = _de_expediente(tipo, exp, caracter, v, texto)
            else:
                sobre = _de_pase(tipo, exp, origen, destino, v, texto)
            lote.sobres.append(sobre)
    return lote


def _legible(cuerpo: bytes) -> str:
    """The payload as a reader gets it: JSON escapes (`\\u00f1`) decoded."""
    return json.dumps(json.loads(cuerpo), ensure_ascii=False)


@pytest.fixture
async def destino(ca_de_pruebas: Certificado) -> AsyncIterator[DestinoWebhook]:
    d = DestinoWebhook(ca_de_pruebas)
    await d.levantar()
    yield d
    await d.bajar()


@pytest.mark.timeout(900)  # up to ten examples of ~30 events through broker, database, webhook
async def test_nada_de_un_expediente_reservado_sale_en_ningun_orden_de_eventos(
    servicio: tuple[FastAPI, httpx.AsyncClient],
    admin: dict[str, str],
    bus: Broker,
    infra: TestInfra,
    destino: DestinoWebhook,
) -> None:
    _, client = servicio
    r = await client.post(
        RUTA,
        json={
            "nombre": "Ministerio de la propiedad",
            "organismo_id": str(uuid.uuid4()),
            "webhook_url": destino.url,
            "claves": ["#"],
        },
        headers=admin,
    )
    assert r.status_code == 201, r.text
    suscriptor = r.json()["id"]
    oyente = await oyente_publico(infra.amqp_url)
    loop = asyncio.get_running_loop()

    async def correr(lote: Lote, orden: Any, repetir: bool) -> None:
        sobres = list(lote.sobres)
        orden.shuffle(sobres)  # any order: a pase before its expediente, an anulación first
        if repetir:
            sobres += sobres[: len(sobres) // 2]  # delivered twice, handled once
        antes = len(oyente.mensajes)
        await publicar(bus, *sobres)
        mios = {str(s.subject) for s in lote.sobres}
        esperados = len(lote.sobres)

        def de_este(cuerpos: list[bytes]) -> list[str]:
            legibles = [_legible(c) for c in cuerpos]
            return [t for t in legibles if json.loads(t)["subject"] in mios]

        async def llegaron() -> bool:
            if len(de_este(oyente.mensajes[antes:])) < esperados:
                await oyente.esperar(len(oyente.mensajes) + 1)
                return False
            return len(de_este([x.cuerpo for x in destino.recibidos])) >= esperados

        await wait_until(llegaron, timeout=120)
        salidas = de_este(oyente.mensajes[antes:]) + de_este([x.cuerpo for x in destino.recibidos])
        for texto in salidas:
            filtradas = [s for s in lote.secretas if s in texto]
            assert not filtradas, (filtradas, texto)
        for exp, extracto in lote.publicos.items():  # public content does go out
            iniciados = [
                json.loads(t)["data"]
                for t in salidas
                if json.loads(t)["type"] == "sigexp.expediente.iniciado.v1"
                and json.loads(t)["subject"] == exp
            ]
            assert iniciados
            assert all(d["extracto"] == extracto for d in iniciados)

    @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
    @given(ejemplo=EJEMPLO)
    def propiedad(ejemplo: tuple[list[tuple[str, list[str], list[str]]], Any, bool]) -> None:
        expedientes, orden, repetir = ejemplo
        lote = _lote(expedientes)
        asyncio.run_coroutine_threadsafe(correr(lote, orden, repetir), loop).result(timeout=180)

    try:
        await asyncio.to_thread(propiedad)
    finally:
        await oyente.conexion.close()
        await client.delete(f"{RUTA}/{suscriptor}", headers=admin)
