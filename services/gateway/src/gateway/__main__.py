"""`python -m gateway serve|migrate|relay|consume`."""

from sigexp_common.cli import main

from gateway.main import build_spec


def run() -> None:
    main(build_spec, default_port=8000)


if __name__ == "__main__":
    run()
