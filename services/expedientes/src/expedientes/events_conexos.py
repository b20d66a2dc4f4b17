"""Events of the links between expedientes, which this service publishes (declared in
`PUBLICA`, events.py). The accumulations are pases' (events.py keeps its copies of them)."""

from __future__ import annotations

import uuid
from typing import ClassVar

from expedientes.events_acciones import Actor


class ExpedienteVinculado(Actor):
    """A desk holding `expediente_id` linked it to `vinculado_id` ("ver también"); internal
    only (the referencias of RESERVADO files travel here)."""

    event_type: ClassVar[str] = "sigexp.expediente.vinculado.v1"

    vinculo_id: uuid.UUID
    expediente_id: uuid.UUID
    referencia: str
    vinculado_id: uuid.UUID
    vinculado_referencia: str
    motivo: str

    def subject(self) -> str:
        return str(self.expediente_id)


class ExpedienteDesvinculado(Actor):
    """A link was undone (kept, marked as such); `expediente_id` is the end whose desk did it."""

    event_type: ClassVar[str] = "sigexp.expediente.desvinculado.v1"

    vinculo_id: uuid.UUID
    expediente_id: uuid.UUID
    vinculado_id: uuid.UUID
    motivo: str | None

    def subject(self) -> str:
        return str(self.expediente_id)
