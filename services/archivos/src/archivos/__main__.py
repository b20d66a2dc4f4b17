"""`python -m archivos serve|migrate|relay|consume`."""

from archivos.main import build_spec
from sigexp_common.cli import main


def run() -> None:
    main(build_spec, default_port=8004)


if __name__ == "__main__":
    run()
