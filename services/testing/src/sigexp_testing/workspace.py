"""The one list of SIGEXP services, read from the workspace (`services/*/`).

A workspace member is a service when its pyproject declares the console script
`sigexp-<dir> = "<dir>.__main__:run"` (the shared library declares none). What each service
runs is read from its own files, so adding one means adding its folder:

- port: `main(..., default_port=N)` or `add_argument("--port", default=N)` in `__main__.py`;
- commands: what `python -m <name> <command>` accepts (the shared CLI's and its own);
- database: it has Alembic migrations (`src/<name>/migrations/`), hence a relay too;
- consumers: it has a handler table (`src/<name>/consumers.py`);
- S3: its Settings has `s3_endpoint`;
- what a deployment cannot learn from code, under `[tool.sigexp]` in its pyproject:
  `system-packages` (Debian packages its image needs) and `worker-queue` (the queue its
  `worker` command reads; Kubernetes scales the workers on its depth).

Development and deployment tooling only (the dev runner, the AsyncAPI generator, the Kubernetes
generator, the tests): services never import it.
"""

from __future__ import annotations

import ast
import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GATEWAY = "gateway"
PROCESS_KINDS = ("serve", "relay", "consume", "worker")  # long-running; `migrate` runs once


def _find_root() -> Path:
    for folder in (Path(__file__).resolve(), Path.cwd().resolve()):
        for candidate in (folder, *folder.parents):
            pyproject = candidate / "pyproject.toml"
            tool = _toml(pyproject).get("tool", {}) if pyproject.is_file() else {}
            if "workspace" in tool.get("uv", {}):
                return candidate
    raise RuntimeError("no uv workspace (pyproject.toml with [tool.uv.workspace]) found")


def _toml(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Service:
    name: str  # folder under services/ == Python package == `python -m <name>`
    package: str  # distribution name (sigexp-<name>)
    port: int  # where `serve` listens unless told otherwise
    commands: frozenset[str]
    has_database: bool
    has_consumers: bool
    uses_s3: bool
    system_packages: tuple[str, ...]
    worker_queue: str | None

    @property
    def env_prefix(self) -> str:
        return self.name.upper() + "_"

    @property
    def image(self) -> str:
        return f"sigexp-{self.name}"

    @property
    def has_relay(self) -> bool:
        return self.has_database

    @property
    def has_worker(self) -> bool:
        return "worker" in self.commands

    @property
    def processes(self) -> tuple[str, ...]:
        """The long-running process kinds a deployment runs for this service, `serve` first."""
        wanted = {
            "serve": True,
            "relay": self.has_relay,
            "consume": self.has_consumers,
            "worker": self.has_worker,
        }
        return tuple(kind for kind in PROCESS_KINDS if wanted[kind])


ROOT = _find_root()
SERVICES_DIR = ROOT / "services"
SHARED_CLI = SERVICES_DIR / "shared" / "src" / "sigexp_common" / "cli.py"


@functools.cache
def services() -> tuple[Service, ...]:
    """Every service of the workspace, the gateway first, then by port."""
    found = [read_service(path.parent) for path in sorted(SERVICES_DIR.glob("*/pyproject.toml"))]
    listed = sorted((s for s in found if s is not None), key=lambda s: (s.name != GATEWAY, s.port))
    ports = [s.port for s in listed]
    if len(set(ports)) != len(ports):
        raise RuntimeError(f"two services share a default port: {ports}")
    return tuple(listed)


def names() -> tuple[str, ...]:
    return tuple(s.name for s in services())


def service(name: str) -> Service:
    for each in services():
        if each.name == name:
            return each
    raise KeyError(f"no service {name!r} in the workspace; there are {names()}")


def with_database() -> tuple[Service, ...]:
    return tuple(s for s in services() if s.has_database)


def read_service(folder: Path) -> Service | None:
    """The service in a workspace member's folder; None for a library (no `sigexp-<dir>`)."""
    name = folder.name
    pyproject = _toml(folder / "pyproject.toml")
    project = pyproject.get("project", {})
    if project.get("scripts", {}).get(f"sigexp-{name}") != f"{name}.__main__:run":
        return None
    package_dir = folder / "src" / name
    tree = ast.parse((package_dir / "__main__.py").read_text(encoding="utf-8"))
    port = _default_port(tree)
    if port is None:
        raise RuntimeError(f"services/{name}/src/{name}/__main__.py names no default port")
    extra = pyproject.get("tool", {}).get("sigexp", {})
    return Service(
        name=name,
        package=str(project["name"]),
        port=port,
        commands=frozenset(_commands(tree, name)),
        has_database=(package_dir / "migrations").is_dir(),
        has_consumers=(package_dir / "consumers.py").is_file(),
        uses_s3="s3_endpoint" in _settings_fields(package_dir / "settings.py"),
        system_packages=tuple(extra.get("system-packages", ())),
        worker_queue=extra.get("worker-queue"),
    )


def _settings_fields(path: Path) -> set[str]:
    if not path.is_file():
        return set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    }


def _strings(node: ast.AST) -> set[str]:
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return {
            e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
        }
    return set()


def _add_argument(node: ast.AST, first: str) -> ast.Call | None:
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "add_argument"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and node.args[0].value == first
    ):
        return node
    return None


def _command_choices(tree: ast.AST) -> set[str]:
    """`add_argument("command", choices=[...])`: the literal choices."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if call := _add_argument(node, "command"):
            for kw in call.keywords:
                if kw.arg == "choices":
                    found |= _strings(kw.value)
    return found


def _dict_keys_named(tree: ast.Module, name: str) -> set[str] | None:
    for node in tree.body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        if any(isinstance(t, ast.Name) and t.id == name for t in targets) and isinstance(
            value, ast.Dict
        ):
            return _constant_keys(value)
    return None


def _imported_dict_keys(tree: ast.Module, service: str, local: str) -> set[str] | None:
    for imp in tree.body:
        if not isinstance(imp, ast.ImportFrom) or not imp.module:
            continue
        for alias in imp.names:
            if (alias.asname or alias.name) != local:
                continue
            source = SERVICES_DIR / service / "src" / Path(*imp.module.split("."))
            for candidate in (source.with_suffix(".py"), source / "__init__.py"):
                if candidate.exists():
                    keys = _dict_keys_named(ast.parse(candidate.read_text()), alias.name)
                    if keys is not None:
                        return keys
    return None


def _constant_keys(node: ast.Dict) -> set[str]:
    return {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}


def _extra_commands(tree: ast.Module, service: str) -> set[str]:
    """Keys of `main(..., extra_commands=...)`: a literal dict, or a dict named in the module or
    imported from the service's own package."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for kw in node.keywords:
            if kw.arg != "extra_commands":
                continue
            if isinstance(kw.value, ast.Dict):
                return _constant_keys(kw.value)
            if isinstance(kw.value, ast.Name):
                keys = _dict_keys_named(tree, kw.value.id)
                if keys is None:
                    keys = _imported_dict_keys(tree, service, kw.value.id)
                if keys is not None:
                    return keys
            raise RuntimeError(
                f"services/{service}: cannot read the names of `extra_commands` statically; "
                "pass a dict literal or a module-level dict"
            )
    return set()


@functools.cache
def shared_cli_commands() -> frozenset[str]:
    choices = _command_choices(ast.parse(SHARED_CLI.read_text(encoding="utf-8")))
    if not choices:
        raise RuntimeError(f"{SHARED_CLI}: no `command` choices found")
    return frozenset(choices)


def _commands(tree: ast.Module, service: str) -> set[str]:
    commands = _command_choices(tree) | _extra_commands(tree, service)
    uses_shared_cli = any(
        isinstance(node, ast.ImportFrom) and node.module == "sigexp_common.cli"
        for node in ast.walk(tree)
    )
    if uses_shared_cli:
        commands |= shared_cli_commands()
    return commands


def _default_port(tree: ast.Module) -> int | None:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for kw in node.keywords:
            if kw.arg == "default_port" and _is_int(kw.value):
                return int(kw.value.value)  # type: ignore[attr-defined]
        if call := _add_argument(node, "--port"):
            for kw in call.keywords:
                if kw.arg == "default" and _is_int(kw.value):
                    return int(kw.value.value)  # type: ignore[attr-defined]
    return None


def _is_int(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, int)
