"""The fuzzing suite: the whole system once per session, as the end-to-end tests start it
(tests/e2e/conftest.py), in databases and a broker vhost of its own.

Its own system because every profile, ADMIN included, sends generated requests that succeed:
accounts edited, subscribers registered, desks' notices changed. The e2e tests must not find
that state, and their accounts must not be touched by it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sigexp_testing.infra import S3Server, TestInfra
from sigexp_testing.modulos import cargar

E2E = cargar(
    Path(__file__).resolve().parents[1] / "e2e" / "conftest.py", "sigexp_e2e_sistema_fuzz", True
)


@pytest.fixture(scope="session")
def sistema(
    infra: TestInfra,
    s3: S3Server,
    smtp: tuple[int, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Any]:
    with E2E.system_of_its_own("fuzz", infra, s3, smtp, tmp_path_factory) as sistema:
        yield sistema
