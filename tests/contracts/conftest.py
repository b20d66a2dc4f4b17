"""What the deployment files may rely on, read from the code itself (no Docker engine needed).

The list of services and what each runs come from `sigexp_testing.workspace` (their
folders, command lines, migrations, handler tables); the fixtures here add each one's Settings
and parse docker-compose.yml, the Dockerfile and the Kubernetes manifests, so that the contract
tests compare files with code.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from sigexp_testing import workspace
from sigexp_testing.modulos import cargar

ROOT = Path(__file__).resolve().parents[2]
SERVICES_DIR = ROOT / "services"
COMPOSE_FILE = ROOT / "docker-compose.yml"
K8S_DIR = ROOT / "deploy" / "k8s" / "base"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"


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
    default_port: int
    workspace: workspace.Service
    secret_env: frozenset[str]  # variables of the secrets production refuses to leave default
    ops_port: int | None  # health and metrics on a port of their own (`ops_port` setting)


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
    module = cargar(path, f"_sigexp_contract_settings_{name}")
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


def secret_env_names(settings: type) -> frozenset[str]:
    prefix = str(settings.model_config.get("env_prefix", ""))  # type: ignore[attr-defined]
    names = set()
    for field_name in getattr(settings, "secret_fields", ()):
        alias = settings.model_fields[field_name].validation_alias  # type: ignore[attr-defined]
        names.add(alias.upper() if isinstance(alias, str) else (prefix + field_name).upper())
    return frozenset(names)


def load_service(service: workspace.Service) -> ServiceCode:
    settings = _load_settings_class(service.name)
    return ServiceCode(
        name=service.name,
        package=service.package,
        env_names=settings_env_names(settings),
        has_database=service.has_database,
        commands=service.commands,
        default_port=service.port,
        workspace=service,
        secret_env=secret_env_names(settings),
        ops_port=_ops_port(settings),
    )


def _ops_port(settings: type) -> int | None:
    field = settings.model_fields.get("ops_port")  # type: ignore[attr-defined]
    return None if field is None else int(field.default)


def load_yaml_documents(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc]


@pytest.fixture(scope="session")
def services() -> dict[str, ServiceCode]:
    found = workspace.services()
    assert found, "no service in the workspace"
    return {service.name: load_service(service) for service in found}


@pytest.fixture(scope="session")
def dockerfile() -> Dockerfile:
    return parse_dockerfile(DOCKERFILE)


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
    """Every object that `kubectl apply -k deploy/k8s` creates: rendered by kustomize itself when
    `kubectl` is installed, else the files the kustomization lists, as they are."""
    for entry in kustomization["resources"]:
        assert (K8S_DIR / entry).is_file(), f"kustomization names {entry}, which does not exist"
    if kubectl := shutil.which("kubectl"):
        built = subprocess.run(
            [kubectl, "kustomize", str(K8S_DIR)], capture_output=True, text=True, timeout=60
        )
        assert built.returncode == 0, f"kubectl kustomize deploy/k8s fails:\n{built.stderr}"
        return [doc for doc in yaml.safe_load_all(built.stdout) if doc]
    resources: list[dict[str, Any]] = []
    for entry in kustomization["resources"]:
        resources.extend(load_yaml_documents(K8S_DIR / entry))
    return resources


@dataclass(frozen=True)
class ComposeBuilt:
    """A compose entry built from deploy/Dockerfile for one service (build arg SERVICE)."""

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
        assert isinstance(build, dict), f"compose service {name}: `build` must be a mapping"
        service = (build.get("args") or {}).get("SERVICE")
        assert service, f"compose service {name} is built without the build arg SERVICE"
        built.append(ComposeBuilt(name, str(service), entry))
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
