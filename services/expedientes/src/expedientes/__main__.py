"""`python -m expedientes serve|migrate|relay|consume`."""

from expedientes.main import build_spec
from sigexp_common.cli import main


def run() -> None:
    main(build_spec, default_port=8002)


if __name__ == "__main__":
    run()
