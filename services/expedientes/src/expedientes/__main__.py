"""`python -m expedientes serve|migrate|relay|consume`."""

from sigexp_common.cli import main

from expedientes.main import build_spec


def run() -> None:
    main(build_spec, default_port=8002)


if __name__ == "__main__":
    run()
