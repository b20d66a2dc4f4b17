"""`python -m archivos serve|migrate|relay|consume|worker`."""

from archivos.digitalizacion.worker import worker
from archivos.main import build_spec
from sigexp_common.cli import ExtraCommand, main

COMANDOS: dict[str, ExtraCommand] = {"worker": worker}


def run() -> None:
    main(build_spec, default_port=8004, extra_commands=COMANDOS)


if __name__ == "__main__":
    run()
