"""Event contracts between services: names, the published AsyncAPI document, and every
consumer's own copy of an event still matching what its producer sends."""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from sigexp_common.envelope import Envelope
from sigexp_testing.modulos import cargar

ROOT = Path(__file__).resolve().parents[2]


asyncapi = cargar(ROOT / "scripts" / "asyncapi.py", "asyncapi")
DOCUMENTO = yaml.safe_load(asyncapi.texto())
MENSAJES = sorted(DOCUMENTO["components"]["messages"])
COPIAS = [
    (servicio, clase)
    for servicio in asyncapi.SERVICIOS
    for clase in asyncapi.eventos_de(servicio)
    if clase.event_type in asyncapi.consumidos_por(servicio)
]


def test_el_documento_asyncapi_publicado_esta_al_dia() -> None:
    publicado = (ROOT / "docs" / "asyncapi.yaml").read_text(encoding="utf-8")
    assert publicado == asyncapi.texto(), "run `make asyncapi` and commit docs/asyncapi.yaml"
    servido = asyncapi.DESTINO_GATEWAY.read_text(encoding="utf-8")
    assert servido == asyncapi.texto_json(), "run `make asyncapi`: the gateway serves it"


def test_todo_tipo_de_evento_sigue_la_convencion() -> None:
    for tipo in asyncapi.publicados():
        assert re.fullmatch(r"sigexp\.[a-z_]+\.[a-z_]+\.v[0-9]+", tipo), tipo


# Published events that no service reads yet, each with its reason. auditoria's catch-all `#`
# (its log of the whole bus) is no consumer: an event only it gets is parked knowledge nobody
# uses. A new event must get a real consumer or an entry here saying why not.
SIN_CONSUMIDOR = {
    "sigexp.usuario.creado.v1": "for ministries' subscribers and the future notifications "
    "service; services read the user from the token",
    "sigexp.usuario.actualizado.v1": "same as usuario.creado; token revocation travels apart",
    "sigexp.usuario.sesiones_revocadas.v1": "read by every token verifier through "
    "sigexp_common.revocation (an exclusive queue per process), not by a service's HANDLERS",
    "sigexp.anotacion.agregada.v1": "internal annotations, for the organismo's own subscribers "
    "and the future notifications service (never public); the gateway reads them by HTTP",
    "sigexp.anotacion.eliminada.v1": "same as anotacion.agregada",
    "sigexp.expediente.vinculado.v1": "links are expedientes' own data, read by HTTP in its "
    "detail; the event is for ministries' subscribers (integraciones)",
    "sigexp.expediente.desvinculado.v1": "same as expediente.vinculado",
}


# Consumer copies of events whose producer lands on another branch of the same issue round,
# each with that branch: the lead drops the entry when merging the producer.
SIN_PRODUCTOR: dict[str, str] = {}


def test_la_lista_de_eventos_sin_productor_no_envejece() -> None:
    publicados = set(asyncapi.publicados())
    for tipo in SIN_PRODUCTOR:
        assert tipo not in publicados, f"{tipo} is published now: drop it from SIN_PRODUCTOR"
        assert tipo in _consumidos(), f"nobody reads {tipo}: drop it from SIN_PRODUCTOR"


def test_todo_evento_consumido_tiene_quien_lo_publique() -> None:
    sin_productor = _consumidos() - set(asyncapi.publicados()) - set(SIN_PRODUCTOR)
    assert not sin_productor, f"nobody publishes {sorted(sin_productor)}"


def _consumidos() -> set[str]:
    return {c for s in asyncapi.SERVICIOS for c in asyncapi.consumidos_por(s) if c != "#"}


def test_todo_evento_publicado_tiene_quien_lo_consuma() -> None:
    sin_consumidor = set(asyncapi.publicados()) - _consumidos() - set(SIN_CONSUMIDOR)
    assert not sin_consumidor, (
        f"nobody but auditoria's log reads {sorted(sin_consumidor)}: add a consumer or list it "
        "in SIN_CONSUMIDOR with the reason"
    )


def test_la_lista_de_eventos_sin_consumidor_no_envejece() -> None:
    publicados = set(asyncapi.publicados())
    for tipo in SIN_CONSUMIDOR:
        assert tipo in publicados, f"{tipo} is no longer published: drop it from SIN_CONSUMIDOR"
        assert tipo not in _consumidos(), f"{tipo} has a consumer now: drop it from SIN_CONSUMIDOR"


@pytest.mark.parametrize("servicio", asyncapi.SERVICIOS)
def test_cada_servicio_entrega_a_su_spec_lo_que_declara_publicar(servicio: str) -> None:
    """`outbox.add` enforces the spec's list: it must be the one the document is made from."""
    spec = importlib.import_module(f"{servicio}.main").build_spec()
    assert list(spec.publica) == asyncapi.publica(servicio)


def test_hay_copias_de_consumidor_que_verificar() -> None:
    assert {(s, c.event_type) for s, c in COPIAS} >= {
        ("pases", "sigexp.expediente.iniciado.v1"),
        ("auditoria", "sigexp.acceso.registrado.v1"),
        ("expedientes", "sigexp.custodia.actualizada.v1"),
        ("archivos", "sigexp.custodia.actualizada.v1"),
        ("archivos", "sigexp.expediente.iniciado.v1"),
        ("expedientes", "sigexp.mesa.actualizada.v1"),
    }


@pytest.mark.parametrize(
    ("servicio", "copia"), COPIAS, ids=[f"{s}:{c.event_type}" for s, c in COPIAS]
)
def test_la_copia_del_consumidor_acepta_lo_que_envia_el_productor(
    servicio: str, copia: type
) -> None:
    if copia.event_type in SIN_PRODUCTOR:
        pytest.skip(f"{copia.event_type}: {SIN_PRODUCTOR[copia.event_type]}")
    productor = asyncapi.publicados()[copia.event_type][0]
    enviado = productor.model_json_schema()  # producers serialise every field, defaults too
    leido = copia.model_json_schema()
    faltan = set(leido.get("required", [])) - set(enviado["properties"])
    assert not faltan, f"{servicio} requires fields its producer does not send: {sorted(faltan)}"
    for campo in leido.get("required", []):
        producidos, aceptados = _tipos(enviado, campo), _tipos(leido, campo)
        assert producidos <= aceptados, (
            f"{servicio}: {campo} may come as {sorted(producidos)}, it reads {sorted(aceptados)}"
        )


def _tipos(schema: dict, campo: str) -> set[str]:
    propiedad = schema["properties"][campo]
    opciones = propiedad.get("anyOf", [propiedad])
    return {o.get("type", "object") for o in opciones}


def test_nadie_declara_el_exchange_de_eventos_con_sus_propios_argumentos() -> None:
    """`sigexp.events` may carry an alternate exchange: a declaration with other arguments is
    refused by the broker (PRECONDITION_FAILED). Everyone goes through the one helper."""
    propia = re.compile(r"declare_exchange\(\s*[\"']sigexp\.events[\"']")
    # It makes the exchange as brokers older than the alternate exchange have it, on purpose.
    viejo = "services/shared/tests/integration/test_sin_destino_y_filas_muertas.py"
    culpables = [
        str(ruta.relative_to(ROOT))
        for carpeta in ("services", "tests", "scripts")
        for ruta in (ROOT / carpeta).rglob("*.py")
        if propia.search(ruta.read_text(encoding="utf-8")) and str(ruta.relative_to(ROOT)) != viejo
    ]
    assert not culpables, f"use broker.declare_events_exchange(connection, channel) in {culpables}"


def validador(mensaje: str) -> Draft202012Validator:
    """The payload schema of one message of the document, its `$ref`s resolved inside it."""
    return Draft202012Validator({**DOCUMENTO, "$ref": f"#/components/messages/{mensaje}/payload"})


def _ejemplo(mensaje: str) -> dict:
    [ejemplo] = DOCUMENTO["components"]["messages"][mensaje]["examples"]
    return ejemplo["payload"]


def _productor(mensaje: str) -> type:
    tipo = DOCUMENTO["components"]["messages"][mensaje]["name"]
    if mensaje.startswith("Publico"):
        from integraciones.publico import PUBLICOS

        return next(p for p in PUBLICOS if p.event_type == tipo)
    return asyncapi.publicados()[tipo][0]


def test_el_documento_tiene_los_eventos_publicos_en_su_exchange() -> None:
    from integraciones.publico import PUBLICOS

    publicos = [m for m in MENSAJES if m.startswith("Publico")]
    assert len(publicos) == len(PUBLICOS)
    for nombre in publicos:
        canal = DOCUMENTO["channels"][nombre]
        assert canal["bindings"]["amqp"]["exchange"]["name"] == "sigexp.publico"
    assert not any("Anotacion" in m or "Acceso" in m for m in publicos)


@pytest.mark.parametrize("mensaje", MENSAJES)
def test_cada_evento_publicado_valida_contra_su_esquema(mensaje: str) -> None:
    """The producer's own event (its model, as it serialises it) fits the document's schema."""
    ejemplo = _ejemplo(mensaje)
    productor = _productor(mensaje)
    enviado = productor.model_validate(ejemplo["data"]).model_dump(mode="json")
    errores = [e.message for e in validador(mensaje).iter_errors({**ejemplo, "data": enviado})]
    assert not errores, f"{mensaje}: {errores[:3]}"


@pytest.mark.parametrize("mensaje", ["PaseEnviadoV1", "PublicoPaseEnviadoV1"])
def test_un_evento_al_que_le_falta_un_campo_no_valida(mensaje: str) -> None:
    ejemplo = _ejemplo(mensaje)
    datos = dict(ejemplo["data"])
    datos.pop("expediente_id")
    assert list(validador(mensaje).iter_errors({**ejemplo, "data": datos}))
    assert list(validador(mensaje).iter_errors({**ejemplo, "type": "sigexp.otro.v1"}))


@pytest.mark.parametrize(
    ("servicio", "copia"), COPIAS, ids=[f"{s}:{c.event_type}" for s, c in COPIAS]
)
def test_cada_consumidor_lee_el_ejemplo_de_su_productor(servicio: str, copia: type) -> None:
    if copia.event_type in SIN_PRODUCTOR:
        pytest.skip(f"{copia.event_type}: {SIN_PRODUCTOR[copia.event_type]}")
    mensaje = asyncapi._nombre(copia.event_type)
    sobre = Envelope.model_validate(_ejemplo(mensaje))
    leido = copia.from_envelope(sobre)  # raises if the consumer cannot read it
    assert leido.envelope.type == copia.event_type, servicio


async def test_el_gateway_sirve_el_documento_y_una_pagina_para_recorrerlo() -> None:
    import httpx

    from gateway.main import create_gateway

    transporte = httpx.ASGITransport(app=create_gateway())
    async with httpx.AsyncClient(transport=transporte, base_url="http://gateway") as client:
        documento = await client.get("/api/asyncapi.json")
        pagina = await client.get("/api/asyncapi")

    assert documento.status_code == 200
    assert documento.json() == DOCUMENTO  # no token needed: ministries read it
    assert pagina.status_code == 200
    assert pagina.headers["content-type"].startswith("text/html")
    assert "script-src" not in pagina.headers["content-security-policy"]
    assert "sigexp.publico" in pagina.text
    assert 'id="PublicoPaseEnviadoV1"' in pagina.text
