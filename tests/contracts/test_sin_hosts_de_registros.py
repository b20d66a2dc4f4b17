"""No file of the repository names a package or image registry host.

Installers reach registries through their own configuration (pip, uv, apt, the container
engine); a host name written in a file pins the project to one mirror. The host names are
assembled from parts so that this file does not name them itself.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_HOSTS = [
    ("pypi", "org"),  # also its test. and upload. hosts
    ("pythonhosted", "org"),
    ("docker", "io"),  # also registry-1. and index.
    ("hub", "docker", "com"),
    ("download", "docker", "com"),
    ("ghcr", "io"),
    ("quay", "io"),
    ("gcr", "io"),
    ("pkg", "dev"),
    ("deb", "debian", "org"),
    ("security", "debian", "org"),
    ("archive", "ubuntu", "com"),
    ("registry", "npmjs", "org"),
    ("mcr", "microsoft", "com"),
    ("public", "ecr", "aws"),
]
REGISTRY_HOST = re.compile(
    "|".join(r"(?<![\w-])" + r"\.".join(parts) + r"(?![\w-])" for parts in _HOSTS),
    re.IGNORECASE,
)


def _repository_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.decode()
    return [ROOT / name for name in listed.split("\0") if name]


def test_el_patron_reconoce_hosts_de_registros_y_no_nombres_parecidos():
    for parts in _HOSTS:
        assert REGISTRY_HOST.search("x " + ".".join(parts) + "/simple")
        assert REGISTRY_HOST.search("https://registry-1." + ".".join(parts) + "/v2/")
    assert not REGISTRY_HOST.search("minio/minio:RELEASE.2025-09-07T16-13-09Z")
    assert not REGISTRY_HOST.search("rabbitmq:4-management postgres:16 sigexp-pases:0.1.0")
    assert not REGISTRY_HOST.search("docker.iox pypi.organic")


def test_ningun_archivo_del_repositorio_nombra_un_registro():
    files = _repository_files()
    assert any(path.name == "docker-compose.yml" for path in files)
    offenders = []
    for path in files:
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            match = REGISTRY_HOST.search(line)
            if match:
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {match.group(0)}")
    assert not offenders, "registry host names in files:\n" + "\n".join(offenders)
