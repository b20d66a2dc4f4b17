"""Bus entrypoints of the expedientes service: each event it reads and the use case it feeds."""

from __future__ import annotations

from expedientes import catalogo
from expedientes.events import (
    ArchivoAdjuntado,
    ArchivoEliminado,
    ArchivoProcesado,
    ArchivoReemplazado,
    CustodiaActualizada,
    ExpedienteAcumulado,
    ExpedienteDesglosado,
    MesaActualizada,
    OrganismoActualizado,
    PaseEnviado,
    PaseRechazado,
    PaseRecibido,
    PaseRevertido,
    TipoActualizado,
)
from expedientes.service import acumulaciones, busqueda, custodia, noticias
from sigexp_common.consumer import Batched, Handlers

HANDLERS: Handlers = {
    ArchivoProcesado: busqueda.registrar_texto,
    # In batches, applied as soon as the previous one committed (no wait to fill one): at a
    # hundred pases a second one transaction carries several, and a lone one goes at once.
    CustodiaActualizada: Batched(custodia.registrar_custodias, max_wait=0),
    MesaActualizada: catalogo.registrar_mesa,
    OrganismoActualizado: catalogo.registrar_organismo,
    TipoActualizado: catalogo.registrar_tipo,
    PaseEnviado: noticias.registrar_pase_enviado,
    PaseRecibido: noticias.registrar_pase_recibido,
    PaseRechazado: noticias.registrar_pase_rechazado,
    PaseRevertido: noticias.registrar_pase_revertido,
    ArchivoAdjuntado: noticias.registrar_archivo_adjuntado,
    ArchivoReemplazado: noticias.registrar_archivo_reemplazado,
    ArchivoEliminado: noticias.registrar_archivo_eliminado,
    ExpedienteAcumulado: acumulaciones.registrar_acumulado,
    ExpedienteDesglosado: acumulaciones.registrar_desglosado,
}
