"""Payloads of the bus's events as tests and benches publish them to stand in for the service
that owns them (shared/DESIGN.md §4; their schemas are in the AsyncAPI document)."""

from __future__ import annotations

import uuid
from typing import Any

from sigexp_common.envelope import utcnow


def custodia_actualizada(expediente_id: uuid.UUID, mesa_id: uuid.UUID) -> dict[str, Any]:
    """`sigexp.custodia.actualizada.v1` of a file `mesa_id` holds with ESCRITURA, received now
    (not in transit), and the only desk that ever held it."""
    return {
        "expediente_id": str(expediente_id),
        "mesa_id": str(mesa_id),
        "permiso": "ESCRITURA",
        "en_transito": False,
        "mesas": [str(mesa_id)],
        "desde": utcnow().isoformat(),
    }
