"""Bus entrypoints of the expedientes service: each event it reads and the use case it feeds."""

from __future__ import annotations

from expedientes import service
from expedientes.events import CustodiaActualizada, MesaActualizada, OrganismoActualizado
from sigexp_common.consumer import Handlers

HANDLERS: Handlers = {
    CustodiaActualizada: service.registrar_custodia,
    MesaActualizada: service.registrar_mesa,
    OrganismoActualizado: service.registrar_organismo,
}
