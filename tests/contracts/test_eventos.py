"""Event contracts between services: names, the published AsyncAPI document, and every
consumer's own copy of an event still matching what its producer sends."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _generador() -> ModuleType:
    spec = importlib.util.spec_from_file_location("asyncapi", ROOT / "scripts" / "asyncapi.py")
    assert spec is not None
    assert spec.loader is not None
    modulo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(modulo)
    return modulo


asyncapi = _generador()
COPIAS = [
    (servicio, clase)
    for servicio in asyncapi.SERVICIOS
    for clase in asyncapi.eventos_de(servicio)
    if clase.event_type in asyncapi.consumidos_por(servicio)
]


def test_el_documento_asyncapi_publicado_esta_al_dia() -> None:
    publicado = (ROOT / "docs" / "asyncapi.yaml").read_text(encoding="utf-8")
    assert publicado == asyncapi.texto(), "run `make asyncapi` and commit docs/asyncapi.yaml"


def test_todo_tipo_de_evento_sigue_la_convencion() -> None:
    for tipo in asyncapi.publicados():
        assert re.fullmatch(r"sigexp\.[a-z_]+\.[a-z_]+\.v[0-9]+", tipo), tipo


def test_todo_evento_publicado_tiene_quien_lo_consuma() -> None:
    """The relay publishes with the mandatory flag: an event no queue binds is an error."""
    claves = {c for s in asyncapi.SERVICIOS for c in asyncapi.consumidos_por(s)}
    for tipo in asyncapi.publicados():
        assert tipo in claves or "#" in claves, f"nobody consumes {tipo}"


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
