"""What an operator alerts on: audit records that could not be chained."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

from sigexp_common.http import LAST_SET

REGISTROS_FALLIDOS = Counter(
    "sigexp_auditoria_registros_fallidos_total",
    "Audit records that could not be stored (invalido: does not fit the record; base: the "
    "database refused it). Any increase means records are heading for auditoria.dlq.",
    ["causa"],
)
EN_DESCARTE = Gauge(
    "sigexp_auditoria_dlq_mensajes",
    "Messages waiting in auditoria.dlq at the last chain verification (-1: could not be read)",
    multiprocess_mode=LAST_SET,  # the last verification's, whichever worker ran it
)
