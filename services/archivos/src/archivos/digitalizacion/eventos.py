"""The events the workers read: their own copies, with only the fields a job needs."""

from __future__ import annotations

import uuid
from typing import ClassVar

from sigexp_common.envelope import Event


class VersionAdjuntada(Event):
    """`sigexp.archivo.adjuntado.v1` as the workers read it: the version to digitise."""

    event_type: ClassVar[str] = "sigexp.archivo.adjuntado.v1"

    archivo_id: uuid.UUID
    expediente_id: uuid.UUID
    version: int
    objeto: str
    sha256: str


class VersionReemplazada(VersionAdjuntada):
    """`sigexp.archivo.reemplazado.v1`: a new version, digitised like the first."""

    event_type: ClassVar[str] = "sigexp.archivo.reemplazado.v1"


TRABAJOS: dict[str, type[VersionAdjuntada]] = {
    modelo.event_type: modelo for modelo in (VersionAdjuntada, VersionReemplazada)
}
