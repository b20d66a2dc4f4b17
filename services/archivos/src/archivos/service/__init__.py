"""Use cases of the archivos service, by group: `copias` (other services' state and the scope
check), `acceso` (who may read or change an archivo), `subida` + `recepcion` (bytes in),
`archivos` (list, history, delete), `descarga` (bytes out), `reconciliacion` (leftovers)."""

from archivos.service.copias import (
    custodia_visible,
    registrar_actualizacion,
    registrar_anulacion,
    registrar_custodia,
    registrar_expediente,
)

__all__ = [
    "custodia_visible",
    "registrar_actualizacion",
    "registrar_anulacion",
    "registrar_custodia",
    "registrar_expediente",
]
