"""`python -m auth serve|migrate|relay|consume` and its own commands:
`demo`, `rotate-keys`, `importar-catalogo FILE`, `republicar-catalogo`."""

from auth.comandos import demo, importar_catalogo, republicar_catalogo, rotate_keys
from auth.main import build_spec
from sigexp_common.cli import main


def run() -> None:
    main(
        build_spec,
        default_port=8001,
        extra_commands={
            "demo": demo,
            "rotate-keys": rotate_keys,
            "importar-catalogo": importar_catalogo,
            "republicar-catalogo": republicar_catalogo,
        },
    )


if __name__ == "__main__":
    run()
