"""The fuzzing suite: the whole system once per session, as the end-to-end tests start it
(tests/e2e/conftest.py), in databases and a broker vhost of its own.

Its own system because every profile, ADMIN included, sends generated requests that succeed:
accounts edited, subscribers registered, desks' notices changed. The e2e tests must not find
that state, and their accounts must not be touched by it.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from sigexp_testing.infra import S3Server, TestInfra


def _e2e() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "e2e" / "conftest.py"
    spec = importlib.util.spec_from_file_location("sigexp_e2e_sistema_fuzz", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


E2E = _e2e()


@pytest.fixture(scope="session")
def sistema(
    infra: TestInfra,
    s3: S3Server,
    smtp: tuple[int, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Any]:
    with E2E.system_of_its_own("fuzz", infra, s3, smtp, tmp_path_factory) as sistema:
        yield sistema
