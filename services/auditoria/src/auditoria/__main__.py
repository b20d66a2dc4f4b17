"""`python -m auditoria serve|migrate|relay|consume`."""

from auditoria.main import build_spec
from sigexp_common.cli import main


def run() -> None:
    main(build_spec, default_port=8005)


if __name__ == "__main__":
    run()
