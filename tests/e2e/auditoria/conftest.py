"""The per-route audit completeness walk: one module per service, the matcher in
`recorrido_auditado` (tests/contracts/test_auditoria_cobertura.py checks that the modules here
walk every documented route)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

# the walk's own helpers: `import recorrido_auditado`
sys.path.insert(0, str(Path(__file__).parent))

from recorrido_auditado import PERFILES, Recorrido

if TYPE_CHECKING:
    from conftest import Sistema


@pytest.fixture(scope="module")
def recorrido(sistema: Sistema) -> Recorrido:
    """Every profile's demo user signed in, plus a second organismo's desk users."""
    walk = Recorrido(sistema)
    for usuario in PERFILES.values():
        walk.entrar(usuario)
    walk.entrar("mesa.sgg")
    walk.entrar("consulta.sgg")
    return walk
