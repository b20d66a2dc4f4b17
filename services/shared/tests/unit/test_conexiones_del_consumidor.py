"""A consumer's database pool is sized by what its handlers hold at once, not by the window."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from sigexp_common.consumer import Batched, connections_needed
from sigexp_common.envelope import Event


class Uno(Event):
    event_type: ClassVar[str] = "sigexp.prueba.uno.v1"


class Otro(Event):
    event_type: ClassVar[str] = "sigexp.prueba.otro.v1"


async def _uno(db: Any, evento: Any) -> None:
    pass


async def _lote(db: Any, eventos: Sequence[Any]) -> None:
    pass


def test_con_handlers_por_lotes_basta_una_conexion_por_modelo_cualquiera_sea_el_prefetch() -> None:
    assert connections_needed({Uno: Batched(_lote), Otro: Batched(_lote)}, prefetch=200) == 2


def test_con_un_handler_por_mensaje_cada_entrega_en_curso_tiene_su_conexion() -> None:
    assert connections_needed({Uno: _uno}, prefetch=16) == 16
    assert connections_needed({Uno: _uno, Otro: Batched(_lote)}, prefetch=16) == 17
