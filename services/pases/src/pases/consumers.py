"""Bus entrypoints of the pases service: each event it reads and the use case it feeds."""

from __future__ import annotations

from pases import catalogo
from pases.events import (
    DependenciaActualizada,
    ExpedienteActualizado,
    ExpedienteAnulado,
    ExpedienteIniciado,
    FeriadoActualizado,
    MesaActualizada,
    OrganismoActualizado,
    RemitoEmitido,
)
from pases.service import avisos, calendario, copias, custodia
from sigexp_common.consumer import Handlers

HANDLERS: Handlers = {
    ExpedienteIniciado: custodia.registrar_expediente_iniciado,
    ExpedienteActualizado: copias.registrar_expediente_actualizado,
    ExpedienteAnulado: copias.registrar_expediente_anulado,
    MesaActualizada: catalogo.registrar_mesa,
    OrganismoActualizado: catalogo.registrar_organismo,
    DependenciaActualizada: catalogo.registrar_dependencia,
    FeriadoActualizado: calendario.registrar_feriado,
    RemitoEmitido: avisos.registrar_remito_emitido,
}
