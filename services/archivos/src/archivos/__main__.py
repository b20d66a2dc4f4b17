"""`python -m archivos serve|migrate|relay|consume|reconciliar|worker`."""

from __future__ import annotations

import argparse
import asyncio
from datetime import timedelta

from archivos.main import build_spec
from archivos.service.reconciliacion import reconciliar
from archivos.settings import Settings
from archivos.storage import Almacen
from sigexp_common.app import ServiceSpec
from sigexp_common.cli import ExtraCommand, main
from sigexp_common.db import make_engine


def _reconciliar(spec: ServiceSpec, args: list[str]) -> None:
    """Find objects without rows and rows without objects, and fix them (prints a report)."""
    settings = spec.settings
    assert isinstance(settings, Settings)
    parser = argparse.ArgumentParser(prog="python -m archivos reconciliar")
    parser.add_argument("--gracia-minutos", type=float, default=settings.pendiente_gracia_minutos)
    opciones = parser.parse_args(args)

    async def correr() -> str:
        engine = make_engine(settings.database_url, pool_size=1)
        try:
            informe = await reconciliar(
                spec.sessions(engine),
                Almacen(settings),
                timedelta(minutes=opciones.gracia_minutos),
            )
        finally:
            await engine.dispose()
        return informe.json()

    print(asyncio.run(correr()))


def _worker(spec: ServiceSpec, args: list[str]) -> None:
    """`worker [--concurrency N]` (imported here: the API process never loads what digitising
    needs, Pillow and pypdfium2, which would only weigh on its memory)."""
    from archivos.digitalizacion.worker import worker

    worker(spec, args)


COMANDOS: dict[str, ExtraCommand] = {"reconciliar": _reconciliar, "worker": _worker}


def run() -> None:
    main(build_spec, default_port=8004, extra_commands=COMANDOS)


if __name__ == "__main__":
    run()
