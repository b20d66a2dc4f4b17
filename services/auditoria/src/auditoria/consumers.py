"""Bus entrypoints of the auditoria service: every event is logged; access records are chained."""

from __future__ import annotations

from auditoria import service
from auditoria.events import AccesoRegistrado
from sigexp_common.consumer import Handlers
from sigexp_common.envelope import AnyEvent

HANDLERS: Handlers = {
    AccesoRegistrado: service.anexar_registro,
    AnyEvent: service.guardar_evento,
}
