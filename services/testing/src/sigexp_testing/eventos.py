"""Payloads of the bus's events as tests and benches publish them to stand in for the service
that owns them (shared/DESIGN.md §4; their schemas are in the AsyncAPI document)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sigexp_common.envelope import utcnow


def custodia_actualizada(
    expediente_id: uuid.UUID,
    mesa_id: uuid.UUID,
    permiso: str = "ESCRITURA",
    desde: datetime | None = None,
) -> dict[str, Any]:
    """`sigexp.custodia.actualizada.v1` of a file `mesa_id` holds, received (not in transit),
    and the only desk that ever held it."""
    return {
        "expediente_id": str(expediente_id),
        "mesa_id": str(mesa_id),
        "permiso": permiso,
        "en_transito": False,
        "mesas": [str(mesa_id)],
        "desde": (desde or utcnow()).isoformat(),
    }
