"""Bus entrypoints: the internal events the public stream is made from, and the copies it
needs (the expediente's carácter, each desk's organismo)."""

from __future__ import annotations

from integraciones import events
from integraciones.service import publicacion
from sigexp_common.consumer import Handlers

HANDLERS: Handlers = {
    events.ExpedienteIniciado: publicacion.expediente_iniciado,
    events.ExpedienteActualizado: publicacion.expediente_actualizado,
    events.ExpedienteAnulado: publicacion.expediente_anulado,
    events.PaseEnviado: publicacion.pase_enviado,
    events.PaseRecibido: publicacion.pase_recibido,
    events.PaseRechazado: publicacion.pase_rechazado,
    events.PaseRevertido: publicacion.pase_revertido,
    events.MesaActualizada: publicacion.registrar_mesa,
}
