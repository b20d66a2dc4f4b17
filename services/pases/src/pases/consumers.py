"""Bus entrypoints of the pases service: each event it reads and the use case it feeds."""

from __future__ import annotations

from pases import service
from pases.events import ExpedienteIniciado
from sigexp_common.consumer import Handlers

HANDLERS: Handlers = {ExpedienteIniciado: service.registrar_expediente_iniciado}
