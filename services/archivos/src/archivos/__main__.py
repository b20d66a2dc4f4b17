"""`python -m archivos serve|migrate|relay|consume`."""

from sigexp_common.cli import main

from archivos.main import build_spec


def run() -> None:
    main(build_spec, default_port=8004)


if __name__ == "__main__":
    run()
