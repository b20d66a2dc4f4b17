"""`python -m pases serve|migrate|relay|consume`."""

from sigexp_common.cli import main

from pases.main import build_spec


def run() -> None:
    main(build_spec, default_port=8003)


if __name__ == "__main__":
    run()
