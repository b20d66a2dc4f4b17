"""The fault runs' system (one for the folder: every run sends its own expedientes) and their
report: printed at the end of the session, and written as JSON to `SIGEXP_FALLAS_INFORME`."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the runs' helpers: `import fallas_sistema`

from fallas_sistema import HTTP, Sistema, environment, start

from sigexp_testing.infra import S3Server, TestInfra, free_port
from sigexp_testing.private_broker import start_private_broker
from sigexp_testing.private_postgres import start_private_postgres

INFORME: list[dict[str, Any]] = []


@pytest.fixture(scope="session")
async def sistema_de_fallas(
    s3: S3Server, smtp: tuple[int, Path], tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Sistema]:
    with ExitStack() as stack:
        postgres = start_private_postgres(stack)
        broker = start_private_broker(stack)
        infra = TestInfra(pg_admin_dsn=postgres.admin_dsn, amqp_url=broker.amqp_url)
        ports = {service: free_port() for service in HTTP}
        logs = tmp_path_factory.mktemp("logs-fallas")
        env = environment(infra, s3, smtp[0], ports)
        sistema = Sistema(postgres, broker, ports, env, logs)
        try:
            await start(sistema)
            yield sistema
        finally:
            sistema.stop_all()


@pytest.fixture(scope="session")
def informe() -> Iterator[list[dict[str, Any]]]:
    yield INFORME
    destino = os.environ.get("SIGEXP_FALLAS_INFORME")
    if destino and INFORME:
        Path(destino).write_text(json.dumps({"corridas": INFORME}, indent=2, ensure_ascii=False))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not INFORME:
        return
    terminalreporter.section("fallas: tiempo de recuperación")
    for corrida in INFORME:
        terminalreporter.write_line(
            "{falla:<22} pases {enviados_intentados:>5} comprometidos {pases_comprometidos:>5} "
            "recepciones {recepciones_comprometidas:>5}  falla→consistente "
            "{recuperacion_s:6.1f} s (restablecido {restablecido_s:.1f} s, tras la carga "
            "{tras_la_carga_s:.1f} s)  reintentos {reintentos}  DLQ {dlq}".format(**corrida)
        )
