"""`python -m auth serve|migrate|relay|consume`."""

from sigexp_common.cli import main

from auth.main import build_spec


def run() -> None:
    main(build_spec, default_port=8001)


if __name__ == "__main__":
    run()
