"""`python -m pases serve|migrate|relay|consume`."""

from pases.main import build_spec
from sigexp_common.cli import main


def run() -> None:
    main(build_spec, default_port=8003)


if __name__ == "__main__":
    run()
