"""The hash chain: how a record's hash is computed from its content and its predecessor's."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from auditoria.models import Registro

GENESIS = "0" * 64
CAMPOS = (
    "id", "en", "servicio", "usuario_id", "usuario", "perfil", "accion", "recurso",
    "expediente_id", "ip", "resultado", "detalle",
)  # fmt: skip
# Fields the record gained later: covered by the hash when present, left out when null, so
# the records chained before they existed keep their hashes (null and absent are one value).
OPCIONALES = ("mesa_id", "organismo_id", "request_id")


def contenido(registro: Registro) -> dict[str, Any]:
    return contenido_de({campo: getattr(registro, campo) for campo in (*CAMPOS, *OPCIONALES)})


def contenido_de(fila: Mapping[str, Any]) -> dict[str, Any]:
    """What the hash covers, from a row's values (a record about to be inserted)."""
    valores = {campo: fila[campo] for campo in CAMPOS}
    valores.update({c: fila[c] for c in OPCIONALES if fila.get(c) is not None})
    valores["en"] = fila["en"].isoformat()
    return valores


def calcular_hash(hash_anterior: str, valores: dict[str, Any]) -> str:
    canonical = json.dumps(valores, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((hash_anterior + canonical).encode()).hexdigest()
