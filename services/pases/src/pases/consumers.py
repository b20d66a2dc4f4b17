"""Bus entrypoints of the pases service: each event it reads and the use case it feeds."""

from __future__ import annotations

from pases.events import ExpedienteIniciado, FeriadoActualizado, RemitoEmitido
from pases.service import avisos, calendario, custodia
from sigexp_common.consumer import Handlers

HANDLERS: Handlers = {
    ExpedienteIniciado: custodia.registrar_expediente_iniciado,
    FeriadoActualizado: calendario.registrar_feriado,
    RemitoEmitido: avisos.registrar_remito_emitido,
}
