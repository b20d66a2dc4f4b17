"""`python -m integraciones serve|migrate|relay|consume`."""

from integraciones.main import build_spec
from sigexp_common.cli import main


def run() -> None:
    main(build_spec, default_port=8006)


if __name__ == "__main__":
    run()
