"""A service publishes only the events it declares (`PUBLICA`, given to its ServiceSpec)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest

from sigexp_common import outbox
from sigexp_common.app import ServiceSpec
from sigexp_common.audit import AccesoRegistrado
from sigexp_common.db import make_engine
from sigexp_common.envelope import Event
from sigexp_common.settings import ServiceSettings


class Declarado(Event):
    event_type: ClassVar[str] = "sigexp.prueba.declarado.v1"


class Olvidado(Event):
    event_type: ClassVar[str] = "sigexp.prueba.olvidado.v1"


def _spec() -> ServiceSpec:
    return ServiceSpec(
        name="prueba", settings=ServiceSettings(), migrations_dir=Path(), publica=[Declarado]
    )


async def test_outbox_rechaza_un_evento_que_el_servicio_no_declaro() -> None:
    engine = make_engine(ServiceSettings().database_url)  # never connects: add() only stages
    async with _spec().sessions(engine)() as session:
        assert outbox.add(session, Declarado()).type == Declarado.event_type
        with pytest.raises(outbox.UndeclaredEvent, match=r"sigexp\.prueba\.olvidado\.v1"):
            outbox.add(session, Olvidado())
    await engine.dispose()


def test_todo_servicio_puede_publicar_registros_de_auditoria() -> None:
    assert _spec().published_types == {Declarado.event_type, AccesoRegistrado.event_type}
