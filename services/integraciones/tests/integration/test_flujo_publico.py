"""The public stream over real RabbitMQ: internal events in, redacted public ones out on
`sigexp.publico`, with the same routing keys."""

from __future__ import annotations

import json
import random
import uuid
from pathlib import Path

import httpx
import yaml
from fastapi import FastAPI
from integraciones_ayudas import iniciado, interno, oyente_publico, pase_enviado, publicar
from jsonschema import Draft202012Validator

from sigexp_common.broker import Broker
from sigexp_common.envelope import Envelope, utcnow
from sigexp_testing.infra import TestInfra

SECRETO = "SECRETO-RESERVADO"
DOCUMENTO = Path(__file__).resolve().parents[4] / "docs" / "asyncapi.yaml"


def _validadores() -> dict[str, Draft202012Validator]:
    """Public routing key -> the validator of its message in the published AsyncAPI document."""
    doc = yaml.safe_load(DOCUMENTO.read_text(encoding="utf-8"))
    return {
        m["name"]: Draft202012Validator({**doc, "$ref": f"#/components/messages/{n}/payload"})
        for n, m in doc["components"]["messages"].items()
        if n.startswith("Publico")
    }


def _recibido(
    expediente_id: uuid.UUID, origen: uuid.UUID, destino: uuid.UUID, v: int, discrepancia: str
) -> Envelope:
    datos = {
        "pase_id": str(uuid.uuid4()),
        "expediente_id": str(expediente_id),
        "mesa_origen_id": str(origen),
        "mesa_destino_id": str(destino),
        "permiso": "ESCRITURA",
        "fojas_agregadas": 0,
        "tomos_agregados": 0,
        "fojas_contadas": None,
        "tomos_contadas": None,
        "discrepancia": discrepancia,
        "por_usuario_id": str(uuid.uuid4()),
        "por_usuario": "mesa.prueba",
        "por_mesa_id": str(destino),
        "en": utcnow().isoformat(),
    }
    return interno("sigexp.pase.recibido.v1", datos, v)


def _actualizado(expediente_id: uuid.UUID, caracter: str, extracto: str, v: int) -> Envelope:
    datos = {
        "expediente_id": str(expediente_id),
        "codigo": "100111",
        "numero": 1,
        "letras": None,
        "anio": 2026,
        "referencia": f"EXP-{expediente_id.hex[:8]}",
        "extracto": extracto,
        "numero_instrumento": None,
        "numero_gde": None,
        "tipo": "NOTA",
        "caracter": caracter,
        "estado": "ARCHIVADO",
        "tomos": 1,
        "fojas": 3,
        "cambios": [{"campo": "extracto", "antes": "x", "despues": extracto}],
        "version": v,
        "por_usuario_id": str(uuid.uuid4()),
        "por_usuario": "mesa.prueba",
        "por_mesa_id": None,
        "en": utcnow().isoformat(),
    }
    return interno("sigexp.expediente.actualizado.v1", datos, v, "expedientes")


def _anotacion(expediente_id: uuid.UUID, mesa_id: uuid.UUID) -> Envelope:
    datos = {
        "anotacion_id": str(uuid.uuid4()),
        "expediente_id": str(expediente_id),
        "organismo_id": None,
        "mesa_id": str(mesa_id),
        "texto": f"{SECRETO} nota interna",
        "por_usuario_id": str(uuid.uuid4()),
        "por_usuario": "mesa.prueba",
        "por_mesa_id": str(mesa_id),
        "en": utcnow().isoformat(),
    }
    return interno("sigexp.anotacion.agregada.v1", datos, None, "expedientes")


async def test_el_contenido_reservado_nunca_sale_en_mil_eventos_publicos(
    servicio: tuple[FastAPI, httpx.AsyncClient], bus: Broker, infra: TestInfra
) -> None:
    azar = random.Random(16)
    oyente = await oyente_publico(infra.amqp_url)
    sobres: list[Envelope] = []
    publicos: dict[uuid.UUID, str] = {}
    mesas = [uuid.uuid4() for _ in range(5)]
    while len(sobres) < 1000:
        exp = uuid.uuid4()
        caracter = azar.choice(["PUBLICO", "RESERVADO"])
        texto = (
            f"{SECRETO} extracto {exp.hex[:6]}"
            if caracter == "RESERVADO"
            else f"visible {exp.hex[:6]}"
        )
        if caracter == "PUBLICO":
            publicos[exp] = texto
        origen, destino = azar.sample(mesas, 2)
        sobres.append(iniciado(exp, caracter, mesa_id=origen, extracto=texto))
        obs = f"{SECRETO} observación" if caracter == "RESERVADO" else "observación pública"
        sobres.append(pase_enviado(exp, origen, destino, version=2, observaciones=obs))
        sobres.append(_recibido(exp, origen, destino, 3, obs))
        sobres.append(_anotacion(exp, origen))
        if azar.random() < 0.5:
            sobres.append(_actualizado(exp, caracter, texto, 2))
    esperados = sum(1 for s in sobres if not s.type.startswith("sigexp.anotacion."))
    await publicar(bus, *sobres)

    cuerpos = await oyente.esperar(esperados, timeout=180)
    await oyente.conexion.close()

    assert len(cuerpos) == esperados
    recibidos = [json.loads(c) for c in cuerpos]
    assert not [c for c in cuerpos if SECRETO.encode() in c]
    assert {r["type"] for r in recibidos} == {
        "sigexp.expediente.iniciado.v1",
        "sigexp.pase.enviado.v1",
        "sigexp.pase.recibido.v1",
        "sigexp.expediente.actualizado.v1",
    }
    assert all(r["source"] == "/sigexp/integraciones" for r in recibidos)
    validadores = _validadores()
    for r in recibidos:  # every public event fits the schema the ministries are given
        errores = [e.message for e in validadores[r["type"]].iter_errors(r)]
        assert not errores, (r["type"], errores[:3])
    # PUBLICO content does go out: every public iniciado carries its extracto.
    iniciados = [r["data"] for r in recibidos if r["type"] == "sigexp.expediente.iniciado.v1"]
    for datos in iniciados:
        exp = uuid.UUID(datos["expediente_id"])
        if exp in publicos:
            assert datos["extracto"] == publicos[exp]
            assert datos["reservado"] is False
        else:
            assert datos["extracto"] is None
            assert datos["reservado"] is True
            assert datos["referencia"]  # ids, referencia, estado and desks still go
            assert datos["mesa_id"]


async def test_un_pase_que_pases_sabia_reservado_sale_oculto_sin_esperar_la_reclasificacion(
    servicio: tuple[FastAPI, httpx.AsyncClient], bus: Broker, infra: TestInfra
) -> None:
    """An expediente reclassified to RESERVADO, and sent on right after: pases had read the
    reclassification, this service has not yet (it comes from expedientes' relay, on another
    path). The pase's content stays hidden all the same; one pases knew PUBLICO goes whole."""
    oyente = await oyente_publico(infra.amqp_url)
    exp, origen, destino = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await publicar(bus, iniciado(exp, "PUBLICO", mesa_id=origen, extracto="visible"))

    def de_este(tipo: str) -> dict[int, dict]:
        eventos = [json.loads(c) for c in oyente.mensajes]
        return {
            e["sequence"]: e["data"]
            for e in eventos
            if e["subject"] == str(exp) and e["type"] == tipo
        }

    while not de_este("sigexp.expediente.iniciado.v1"):  # its copy here says PUBLICO
        await oyente.esperar(len(oyente.mensajes) + 1)
    reservado = pase_enviado(
        exp, origen, destino, version=2, observaciones=f"{SECRETO} obs", caracter="RESERVADO"
    )
    publico = pase_enviado(
        exp, destino, origen, version=3, observaciones="para su firma", caracter="PUBLICO"
    )
    await publicar(bus, reservado)
    await publicar(bus, publico)
    while len(de_este("sigexp.pase.enviado.v1")) < 2:
        await oyente.esperar(len(oyente.mensajes) + 1)
    await oyente.conexion.close()
    pases = de_este("sigexp.pase.enviado.v1")
    oculto, visible = pases[2], pases[3]
    assert oculto["reservado"] is True
    assert oculto["observaciones"] is None
    assert oculto["referencia"] == "EXP-1"  # ids, referencia, estado and desks still go
    assert visible["reservado"] is False
    assert visible["observaciones"] == "para su firma"
