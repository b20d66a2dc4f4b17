"""Bus entrypoints of the expedientes service: each event it reads and the use case it feeds."""

from __future__ import annotations

from expedientes import catalogo
from expedientes.events import (
    ArchivoProcesado,
    CustodiaActualizada,
    MesaActualizada,
    OrganismoActualizado,
    TipoActualizado,
)
from expedientes.service import busqueda, custodia
from sigexp_common.consumer import Handlers

HANDLERS: Handlers = {
    ArchivoProcesado: busqueda.registrar_texto,
    CustodiaActualizada: custodia.registrar_custodia,
    MesaActualizada: catalogo.registrar_mesa,
    OrganismoActualizado: catalogo.registrar_organismo,
    TipoActualizado: catalogo.registrar_tipo,
}
