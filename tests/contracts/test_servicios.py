"""The one list of services (`sigexp_testing.workspace`): read from the workspace, and no
script or test spells it out again."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from gateway.settings import Settings as GatewaySettings
from gateway.upstreams import RULES
from sigexp_testing import workspace

ROOT = Path(__file__).resolve().parents[2]


def _write_service(base: Path, name: str, files: dict[str, str]) -> Path:
    folder = base / name
    (folder / "src" / name).mkdir(parents=True)
    (folder / "pyproject.toml").write_text(
        f'[project]\nname = "sigexp-{name}"\n'
        f'[project.scripts]\nsigexp-{name} = "{name}.__main__:run"\n'
    )
    for relative, text in files.items():
        path = folder / "src" / name / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


MAIN = "from sigexp_common.cli import main\nmain(build_spec, default_port=8010)\n"


def test_un_servicio_nuevo_se_despliega_segun_lo_que_trae_su_carpeta(tmp_path: Path) -> None:
    bare = workspace.read_service(_write_service(tmp_path, "mesas", {"__main__.py": MAIN}))
    assert bare is not None
    assert bare.port == 8010
    assert bare.processes == ("serve",)
    full = workspace.read_service(
        _write_service(
            tmp_path,
            "plazos",
            {
                "__main__.py": MAIN.replace("8010", "8011"),
                "migrations/env.py": "",
                "consumers.py": "HANDLERS = {}\n",
                "settings.py": "class Settings:\n    s3_endpoint: str = ''\n",
            },
        )
    )
    assert full is not None
    assert full.processes == ("serve", "relay", "consume")
    assert full.uses_s3
    assert {"serve", "migrate", "relay", "consume"} <= full.commands


def test_una_biblioteca_del_workspace_no_es_un_servicio(tmp_path: Path) -> None:
    folder = tmp_path / "comun"
    folder.mkdir()
    (folder / "pyproject.toml").write_text('[project]\nname = "sigexp-comun"\n')
    assert workspace.read_service(folder) is None
    assert "shared" not in workspace.names()


def test_la_lista_tiene_cada_paquete_de_servicio_del_workspace_y_el_gateway_primero() -> None:
    with_main = sorted(
        p.parent.name
        for p in (ROOT / "services").glob("*/pyproject.toml")
        if (p.parent / "src" / p.parent.name / "__main__.py").is_file()
    )
    assert sorted(workspace.names()) == with_main
    assert workspace.names()[0] == workspace.GATEWAY
    ports = [s.port for s in workspace.services()[1:]]
    assert ports == sorted(ports)


def test_el_pyproject_raiz_instala_y_revisa_cada_servicio() -> None:
    root = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = {s.package for s in workspace.services()}
    assert packages <= set(root["project"]["dependencies"])
    assert packages <= set(root["tool"]["uv"]["sources"])
    for service in workspace.services():
        source = f"services/{service.name}/src"
        assert source in root["tool"]["ruff"]["src"], f"ruff does not know {source}"
        assert source in root["tool"]["mypy"]["mypy_path"].split(":"), f"mypy: {source}"


def test_el_gateway_tiene_la_direccion_de_cada_servicio_en_su_puerto() -> None:
    settings = GatewaySettings()
    for service in workspace.services():
        if service.name == workspace.GATEWAY:
            continue
        url = getattr(settings, f"{service.name}_url", None)
        assert url == f"http://127.0.0.1:{service.port}", f"gateway: {service.name}_url is {url}"
    assert {rule.service for rule in RULES} <= set(workspace.names())


def _literal_lists_of_services(path: Path) -> list[tuple[int, list[str]]]:
    """Tuples, lists and sets of string literals in `path` naming three services or more."""
    names = set(workspace.names())
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            values = [e.value for e in node.elts if isinstance(e, ast.Constant)]
            if len(names.intersection(v for v in values if isinstance(v, str))) >= 3:
                found.append((node.lineno, values))
    return found


def test_ningun_archivo_python_vuelve_a_escribir_la_lista_de_servicios() -> None:
    """Scripts and tests ask `workspace` (the one list): a new service appears everywhere. The
    contract tests themselves may name services they expect the workspace reader to find."""
    offenders = []
    checked = (*ROOT.glob("scripts/**/*.py"), *ROOT.glob("tests/**/*.py"))
    for path in sorted(p for p in checked if "contracts" not in p.parts):
        offenders += [
            f"{path.relative_to(ROOT)}:{n}: {v}" for n, v in _literal_lists_of_services(path)
        ]
    for path in sorted(ROOT.glob("services/*/src/**/*.py")):
        offenders += [
            f"{path.relative_to(ROOT)}:{n}: {v}" for n, v in _literal_lists_of_services(path)
        ]
    assert not offenders, "spelled-out service lists:\n" + "\n".join(offenders)


def test_la_regla_de_las_listas_reconoce_una_copia(tmp_path: Path) -> None:
    copia = tmp_path / "copia.py"
    copia.write_text('SERVICIOS = ("auth", "pases", "archivos")\nOTRA = ("auth", "x")\n')
    assert _literal_lists_of_services(copia) == [(1, ["auth", "pases", "archivos"])]
