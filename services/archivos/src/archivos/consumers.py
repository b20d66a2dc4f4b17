"""Bus entrypoints of the archivos service: each event it reads and the use case it feeds."""

from __future__ import annotations

from archivos import service
from archivos.events import (
    CustodiaActualizada,
    ExpedienteActualizado,
    ExpedienteAnulado,
    ExpedienteIniciado,
)
from sigexp_common.consumer import Handlers

HANDLERS: Handlers = {
    CustodiaActualizada: service.registrar_custodia,
    ExpedienteIniciado: service.registrar_expediente,
    ExpedienteActualizado: service.registrar_actualizacion,
    ExpedienteAnulado: service.registrar_anulacion,
}
