"""What the deployment files may rely on, read from the code itself (no Docker engine needed).

The fixtures here parse docker-compose.yml, the Kubernetes manifests and each service's
Dockerfile, settings and command line, so that the contract tests compare files with code.
"""

from __future__ import annotations

import ast
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SERVICES_DIR = ROOT / "services"
COMPOSE_FILE = ROOT / "docker-compose.yml"
K8S_DIR = ROOT / "deploy" / "k8s"
SHARED_CLI = SERVICES_DIR / "shared" / "src" / "sigexp_common" / "cli.py"


@dataclass(frozen=True)
class Dockerfile:
    path: Path
    instructions: tuple[tuple[str, str], ...]  # (INSTRUCTION, arguments), continuations joined

    def all(self, instruction: str) -> list[str]:
        return [args for name, args in self.instructions if name == instruction]

    def final_stage(self) -> list[tuple[str, str]]:
        starts = [i for i, (name, _) in enumerate(self.instructions) if name == "FROM"]
        return list(self.instructions[starts[-1] :]) if starts else []


@dataclass(frozen=True)
class ServiceCode:
    """One deployable service as its code defines it."""

    name: str  # directory under services/ == Python package == `python -m <name>`
    package: str  # distribution name in its pyproject (sigexp-<name>)
    env_names: frozenset[str]  # upper-case environment variable names its Settings reads
    has_database: bool
    commands: frozenset[str]  # what `python -m <name> <command>` accepts
    default_port: int | None
    dockerfile: Dockerfile


def parse_dockerfile(path: Path) -> Dockerfile:
    logical: list[str] = []
    current = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    if current:
        logical.append(current)
    instructions = []
    for line in logical:
        name, _, args = line.partition(" ")
        instructions.append((name.upper(), args.strip()))
    return Dockerfile(path, tuple(instructions))


def _load_settings_class(name: str) -> type:
    path = SERVICES_DIR / name / "src" / name / "settings.py"
    spec = importlib.util.spec_from_file_location(f"_sigexp_contract_settings_{name}", path)
    assert spec is not None, f"cannot load {path}"
    assert spec.loader is not None, f"cannot load {path}"
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    settings = getattr(module, "Settings", None)
    assert settings is not None, f"{path} defines no Settings class"
    return settings  # type: ignore[no-any-return]


def settings_env_names(settings: type) -> frozenset[str]:
    """Environment names pydantic-settings reads: prefix + field, or the field's own alias."""
    prefix = str(settings.model_config.get("env_prefix", ""))  # type: ignore[attr-defined]
    names: set[str] = set()
    for field_name, info in settings.model_fields.items():  # type: ignore[attr-defined]
        alias = info.validation_alias
        if alias is None:
            names.add((prefix + field_name).upper())
        elif isinstance(alias, str):
            names.add(alias.upper())
        else:  # AliasChoices: each plain-string choice is a name it reads
            for choice in getattr(alias, "choices", ()):
                if isinstance(choice, str):
                    names.add(choice.upper())
    return frozenset(names)


def _string_list(node: ast.AST) -> set[str]:
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return {
            e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
        }
    return set()


def _command_choices(tree: ast.AST) -> set[str]:
    """`add_argument("command", choices=[...])`: the literal choices."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "add_argument"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value == "command"
        ):
            for kw in node.keywords:
                if kw.arg == "choices":
                    found |= _string_list(kw.value)
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
            return {k.value for k in value.keys if isinstance(k, ast.Constant)}
    return None


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
                return {k.value for k in kw.value.keys if isinstance(k, ast.Constant)}
            if isinstance(kw.value, ast.Name):
                keys = _dict_keys_named(tree, kw.value.id)
                if keys is not None:
                    return keys
                for imp in tree.body:
                    if (
                        isinstance(imp, ast.ImportFrom)
                        and imp.module
                        and any((a.asname or a.name) == kw.value.id for a in imp.names)
                    ):
                        original = next(
                            a.name for a in imp.names if (a.asname or a.name) == kw.value.id
                        )
                        source = SERVICES_DIR / service / "src" / Path(*imp.module.split("."))
                        for candidate in (source.with_suffix(".py"), source / "__init__.py"):
                            if candidate.exists():
                                keys = _dict_keys_named(ast.parse(candidate.read_text()), original)
                                if keys is not None:
                                    return keys
            raise AssertionError(
                f"services/{service}: cannot read the names of `extra_commands` statically; "
                "pass a dict literal or a module-level dict"
            )
    return set()


def _uses_shared_cli(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.ImportFrom) and node.module == "sigexp_common.cli"
        for node in ast.walk(tree)
    )


def _default_port(tree: ast.Module) -> int | None:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for kw in node.keywords:
            if kw.arg == "default_port" and isinstance(kw.value, ast.Constant):
                return int(kw.value.value)
        if (
            isinstance(node.func, ast.Attribute)
            and node.func.attr == "add_argument"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value == "--port"
        ):
            for kw in node.keywords:
                if kw.arg == "default" and isinstance(kw.value, ast.Constant):
                    return int(kw.value.value)
    return None


def shared_cli_commands() -> frozenset[str]:
    choices = _command_choices(ast.parse(SHARED_CLI.read_text(encoding="utf-8")))
    assert choices, f"{SHARED_CLI}: no `command` choices found"
    return frozenset(choices)


def load_service(name: str) -> ServiceCode:
    base = SERVICES_DIR / name
    main_py = base / "src" / name / "__main__.py"
    tree = ast.parse(main_py.read_text(encoding="utf-8"))
    commands = _command_choices(tree) | _extra_commands(tree, name)
    if _uses_shared_cli(tree):
        commands |= shared_cli_commands()
    settings = _load_settings_class(name)
    pyproject = (base / "pyproject.toml").read_text(encoding="utf-8")
    package = re.search(r'^name\s*=\s*"([^"]+)"', pyproject, re.MULTILINE)
    assert package is not None, f"{base}/pyproject.toml has no project name"
    return ServiceCode(
        name=name,
        package=package.group(1),
        env_names=settings_env_names(settings),
        has_database="database_url" in settings.model_fields,  # type: ignore[attr-defined]
        commands=frozenset(commands),
        default_port=_default_port(tree),
        dockerfile=parse_dockerfile(base / "Dockerfile"),
    )


def service_names() -> list[str]:
    return sorted(p.parent.name for p in SERVICES_DIR.glob("*/Dockerfile"))


def load_yaml_documents(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc]


@pytest.fixture(scope="session")
def services() -> dict[str, ServiceCode]:
    names = service_names()
    assert names, "no services/*/Dockerfile found"
    return {name: load_service(name) for name in names}


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    with COMPOSE_FILE.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    assert isinstance(data, dict), "docker-compose.yml is not a mapping"
    assert data.get("services"), "docker-compose.yml has no services"
    return data


@pytest.fixture(scope="session")
def kustomization() -> dict[str, Any]:
    docs = load_yaml_documents(K8S_DIR / "kustomization.yaml")
    assert len(docs) == 1
    return docs[0]


@pytest.fixture(scope="session")
def k8s_resources(kustomization: dict[str, Any]) -> list[dict[str, Any]]:
    """Every object that `kubectl apply -k deploy/k8s` creates."""
    resources: list[dict[str, Any]] = []
    for entry in kustomization["resources"]:
        path = K8S_DIR / entry
        assert path.is_file(), f"kustomization names {entry}, which does not exist"
        resources.extend(load_yaml_documents(path))
    return resources


@dataclass(frozen=True)
class ComposeBuilt:
    """A compose entry built from services/<service>/Dockerfile."""

    name: str
    service: str
    entry: dict[str, Any]

    @property
    def env(self) -> list[str]:
        env = self.entry.get("environment") or {}
        if isinstance(env, list):
            return [item.split("=", 1)[0] for item in env]
        return [str(key) for key in env]


@pytest.fixture(scope="session")
def compose_built(compose: dict[str, Any]) -> list[ComposeBuilt]:
    built = []
    for name, entry in compose["services"].items():
        build = entry.get("build")
        if build is None:
            continue
        dockerfile = str(build.get("dockerfile", "Dockerfile")) if isinstance(build, dict) else ""
        match = re.fullmatch(r"services/([a-z]+)/[^/]+", dockerfile)
        assert match, f"compose service {name} is built from {dockerfile!r}, not services/<name>/"
        built.append(ComposeBuilt(name, match.group(1), entry))
    assert built, "docker-compose.yml builds no service"
    return built


@dataclass(frozen=True)
class K8sContainer:
    """A container (or init container) of a Deployment or Job that runs one of our images."""

    where: str  # Deployment/pases-relay[relay]
    owner: str  # Deployment/pases-relay
    kind: str
    service: str
    pod: dict[str, Any]
    pod_labels: dict[str, str]
    spec: dict[str, Any]
    init: bool

    @property
    def env(self) -> list[str]:
        return [str(item["name"]) for item in self.spec.get("env", [])]


@pytest.fixture(scope="session")
def k8s_containers(k8s_resources: list[dict[str, Any]]) -> list[K8sContainer]:
    found = []
    for obj in k8s_resources:
        if obj.get("kind") not in {"Deployment", "Job", "StatefulSet", "DaemonSet"}:
            continue
        pod = obj["spec"]["template"]["spec"]
        owner = f"{obj['kind']}/{obj['metadata']['name']}"
        pod_labels = obj["spec"]["template"]["metadata"]["labels"]
        for init, key in ((True, "initContainers"), (False, "containers")):
            for container in pod.get(key, []):
                match = re.fullmatch(r"sigexp-([a-z]+)(?::[\w.-]+)?", str(container["image"]))
                assert match, (
                    f"{obj['kind']}/{obj['metadata']['name']} runs image {container['image']!r}, "
                    "not a plain sigexp-<service> image"
                )
                found.append(
                    K8sContainer(
                        where=f"{owner}[{container['name']}]",
                        owner=owner,
                        kind=obj["kind"],
                        service=match.group(1),
                        pod=pod,
                        pod_labels=pod_labels,
                        spec=container,
                        init=init,
                    )
                )
    assert found, "the Kubernetes manifests run no container"
    return found
