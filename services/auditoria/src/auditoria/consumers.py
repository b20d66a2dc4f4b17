"""Bus entrypoints of the auditoria service: every event is logged; access records are chained.

Both take their events in batches: a batch of records is chained in one transaction with the
chain's lock taken once, instead of one transaction and one turn at the lock per record."""

from __future__ import annotations

from auditoria import service
from auditoria.events import AccesoRegistrado
from sigexp_common.consumer import Batched, Handlers
from sigexp_common.envelope import AnyEvent

HANDLERS: Handlers = {
    # 500 a batch: one commit (a WAL flush) and one turn at the lock for many more records,
    # what let one consumer pass 1,000 records/s on a loaded 2-core machine (bench-auditoria).
    AccesoRegistrado: Batched(service.anexar_registros, max_messages=500),
    AnyEvent: Batched(service.guardar_eventos),
}
