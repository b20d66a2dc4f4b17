"""Writes docs/asyncapi.yaml: every event on the bus, who publishes it and who consumes it,
and the public events the ministries receive (`sigexp.publico`, from integraciones).

The document is generated from what each service declares: the events it publishes
(`<service>/events.py: PUBLICA`, which `outbox.add` enforces at run time) and the ones it reads
(`<service>/consumers.py: HANDLERS`), so it cannot drift from the code;
`tests/contracts/test_eventos.py` fails when the committed file is out of date.
Run: `.venv/bin/python scripts/asyncapi.py` (or `make asyncapi`).
"""

from __future__ import annotations

import importlib
import inspect
import json
import sys
from pathlib import Path
from typing import Any

import yaml

from integraciones import publico
from sigexp_common import revocation
from sigexp_common.audit import AccesoRegistrado
from sigexp_common.envelope import Envelope, Event
from sigexp_testing import workspace

ROOT = Path(__file__).resolve().parents[1]
DESTINO = ROOT / "docs" / "asyncapi.yaml"
# The same document as JSON inside the gateway's package: it serves it at /api/asyncapi.json.
DESTINO_GATEWAY = ROOT / "services" / "gateway" / "src" / "gateway" / "asyncapi.json"
SERVICIOS = tuple(s.name for s in workspace.with_database())  # the ones with an outbox


def publica(servicio: str) -> list[type[Event]]:
    """The events a service declares it publishes (besides the audit record)."""
    try:
        modulo = importlib.import_module(f"{servicio}.events")
    except ModuleNotFoundError:
        return []  # a service without events of its own publishes only audit records
    return list(modulo.PUBLICA)


def eventos_de(servicio: str) -> list[type[Event]]:
    """Every event model in a service's events.py (published ones and its consumer copies)."""
    try:
        modulo = importlib.import_module(f"{servicio}.events")
    except ModuleNotFoundError:
        return []
    return [
        clase
        for _, clase in inspect.getmembers(modulo, inspect.isclass)
        if issubclass(clase, Event)
        and clase.__module__ == modulo.__name__
        and "event_type" in vars(clase)
    ]


def consumidos_por(servicio: str) -> list[str]:
    try:
        modulo = importlib.import_module(f"{servicio}.consumers")
    except ModuleNotFoundError:
        return []
    return sorted(modelo.event_type for modelo in getattr(modulo, "HANDLERS", {}))


def publicados() -> dict[str, tuple[type[Event], list[str]]]:
    """event type -> (the producer's model, the services that publish it)."""
    tabla: dict[str, tuple[type[Event], list[str]]] = {
        AccesoRegistrado.event_type: (AccesoRegistrado, list(SERVICIOS))
    }
    for servicio in SERVICIOS:
        for clase in publica(servicio):
            tabla.setdefault(clase.event_type, (clase, []))[1].append(servicio)
    return dict(sorted(tabla.items()))


def _nombre(tipo: str) -> str:
    return "".join(parte.capitalize() for parte in tipo.split(".")[1:])


UUID_EJEMPLO = "0193a5b0-7c1e-7d2a-9f00-5e1c0b7e1f60"
INSTANTE_EJEMPLO = "2026-12-01T12:00:00Z"


def _valor(schema: dict[str, Any], defs: dict[str, Any]) -> Any:
    """A value that fits `schema` (an example: the first option, one item, every property)."""
    if "$ref" in schema:
        return _valor(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    opciones = schema.get("anyOf") or schema.get("oneOf")
    if opciones:
        no_nulas = [o for o in opciones if o.get("type") != "null"]
        return _valor((no_nulas or opciones)[0], defs)
    tipo = schema.get("type", "object")
    if tipo == "string":
        formato = schema.get("format")
        if formato == "uuid":
            return UUID_EJEMPLO
        if formato == "date-time":
            return INSTANTE_EJEMPLO
        if formato == "date":
            return INSTANTE_EJEMPLO[:10]
        return "texto"
    if tipo == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if tipo == "number":
        return 1.0
    if tipo == "boolean":
        return False
    if tipo == "null":
        return None
    if tipo == "array":
        return [_valor(schema.get("items", {}), defs)]
    propiedades = schema.get("properties", {})
    return {nombre: _valor(sub, defs) for nombre, sub in propiedades.items()}


def ejemplo(clase: type[Event]) -> dict[str, Any]:
    """The payload of an example event of `clase`, checked by the model itself."""
    esquema = clase.model_json_schema()
    datos = _valor(esquema, esquema.get("$defs", {}))
    return clase.model_validate(datos).model_dump(mode="json")


def _mensaje(
    nombre: str, tipo: str, clase: type[Event], fuente: str, exchange: str
) -> dict[str, Any]:
    return {
        "name": tipo,
        "title": (clase.__doc__ or tipo).strip().splitlines()[0],
        "contentType": "application/cloudevents+json",
        "payload": {
            "allOf": [
                {"$ref": "#/components/schemas/CloudEvent"},
                {
                    "type": "object",
                    "properties": {
                        "type": {"const": tipo},
                        "data": {"$ref": f"#/components/schemas/{nombre}"},
                    },
                },
            ]
        },
        "bindings": {"amqp": {"messageType": tipo, "bindingVersion": "0.3.0"}},
        "examples": [
            {
                "name": "ejemplo",
                "summary": f"publicado en {exchange}",
                "payload": {
                    "specversion": "1.0",
                    "id": UUID_EJEMPLO,
                    "source": fuente,
                    "type": tipo,
                    "subject": UUID_EJEMPLO,
                    "time": INSTANTE_EJEMPLO,
                    "datacontenttype": "application/json",
                    "data": ejemplo(clase),
                },
            }
        ],
    }


def _canal(nombre: str, tipo: str, exchange: str) -> dict[str, Any]:
    return {
        "address": tipo,
        "messages": {nombre: {"$ref": f"#/components/messages/{nombre}"}},
        "bindings": {
            "amqp": {
                "is": "routingKey",
                "exchange": {"name": exchange, "type": "topic", "durable": True},
            }
        },
    }


def documento() -> dict[str, Any]:
    eventos = publicados()
    schemas: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for tipo, (clase, productores) in eventos.items():
        nombre = _nombre(tipo)
        datos = clase.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(datos.pop("$defs", {}))
        schemas[nombre] = datos
        messages[nombre] = _mensaje(
            nombre, tipo, clase, f"/sigexp/{productores[0]}", "sigexp.events"
        )
        channels[nombre] = _canal(nombre, tipo, "sigexp.events")
        for productor in productores:
            operations[f"{productor}.publica.{nombre}"] = {
                "action": "send",
                "channel": {"$ref": f"#/channels/{nombre}"},
                "summary": f"{productor} publica {tipo} (outbox, publisher confirms)",
            }
    for servicio in SERVICIOS:
        for clave in consumidos_por(servicio):
            destinos = [_nombre(t) for t in eventos if clave in ("#", t)]
            for nombre in destinos:
                operations[f"{servicio}.consume.{nombre}"] = {
                    "action": "receive",
                    "channel": {"$ref": f"#/channels/{nombre}"},
                    "summary": f"cola {servicio}.events (quorum, DLQ {servicio}.dlq)",
                }
    # Revoked sessions are read by every token verifier, not by a service's HANDLERS: each
    # process (workers and the gateway too) binds an exclusive, auto-delete queue of its own.
    revocadas = _nombre(revocation.ROUTING_KEY)
    if revocadas in channels:
        for verificador in (*SERVICIOS, workspace.GATEWAY):
            operations[f"{verificador}.verifica.{revocadas}"] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{revocadas}"},
                "summary": "cola exclusiva de cada proceso (sigexp_common.revocation), sin "
                "DLQ: al conectarse recarga la lista de auth (GET /internal/revocaciones)",
            }
    for clase in publico.PUBLICOS:
        tipo = clase.event_type
        nombre = "Publico" + _nombre(tipo)
        datos = clase.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(datos.pop("$defs", {}))
        schemas[nombre] = datos
        messages[nombre] = _mensaje(nombre, tipo, clase, "/sigexp/integraciones", publico.EXCHANGE)
        channels[nombre] = _canal(nombre, tipo, publico.EXCHANGE)
        operations[f"integraciones.publica.{nombre}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{nombre}"},
            "summary": "integraciones publica la versión pública (redactada) en "
            f"{publico.EXCHANGE}, desde su archivo, en orden",
        }
        operations[f"ministerio.recibe.{nombre}"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{nombre}"},
            "summary": "cola publico.<suscriptor> (su usuario solo puede leerla) o webhook "
            "HTTPS firmado (X-Sigexp-Firma: HMAC-SHA256 de '<timestamp>.<cuerpo>')",
        }
    envelope = Envelope.model_json_schema()
    envelope["properties"].pop("data", None)
    envelope["properties"]["data"] = {"type": "object"}
    schemas["CloudEvent"] = envelope
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "SIGEXP: eventos del bus",
            "version": "1.0.0",
            "description": (
                "Every event is a CloudEvents 1.0 JSON envelope on the topic exchange "
                "`sigexp.events`; routing key = `type` = `sigexp.<aggregate>.<event>.v<N>`, "
                "`subject` = aggregate id, `id` = UUID (consumers deduplicate on it). "
                "The ministries' public events (channels `Publico*`) travel on the topic "
                "exchange `sigexp.publico` with the same routing keys: redacted versions, "
                "versioned on their own (for an expediente that is not PUBLICO only ids, "
                "referencia, estado and desks; the rest null). "
                "Generated by scripts/asyncapi.py from the services' event models."
            ),
        },
        "defaultContentType": "application/cloudevents+json",
        "servers": {"rabbitmq": {"host": "rabbitmq:5672", "protocol": "amqp"}},
        "channels": channels,
        "operations": dict(sorted(operations.items())),
        "components": {"messages": messages, "schemas": dict(sorted(schemas.items()))},
    }


def texto() -> str:
    return yaml.safe_dump(documento(), sort_keys=False, allow_unicode=True, width=100)


def texto_json() -> str:
    return json.dumps(documento(), ensure_ascii=False, indent=1) + "\n"


def main() -> None:
    DESTINO.write_text(texto(), encoding="utf-8")
    DESTINO_GATEWAY.write_text(texto_json(), encoding="utf-8")
    for destino in (DESTINO, DESTINO_GATEWAY):
        print(f"written {destino.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
