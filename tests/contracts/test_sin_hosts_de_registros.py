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
    ("registry", "k8s", "io"),  # Kubernetes' own images (pause, ingress-nginx, ...)
    ("deb", "debian", "org"),
    ("security", "debian", "org"),
    ("ftp", "debian", "org"),
    ("httpredir", "debian", "org"),
    ("archive", "ubuntu", "com"),
    ("security", "ubuntu", "com"),
    ("ports", "ubuntu", "com"),
    ("dl-cdn", "alpinelinux", "org"),
    ("registry", "npmjs", "org"),
    ("registry", "yarnpkg", "com"),
    ("proxy", "golang", "org"),
    ("registry", "gitlab", "com"),
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
    # Longer names that merely start like a host (assembled, so that a grep for hosts stays empty).
    assert not REGISTRY_HOST.search(
        ".".join(("docker", "iox")) + " " + ".".join(("pypi", "organic"))
    )


def offenses(data: bytes) -> list[tuple[int, str]]:
    """(line, host) for each registry host a file names. Any text counts, whatever its
    encoding (a Latin-1 note names a host as well as a UTF-8 one); only binaries are skipped."""
    if b"\0" in data:
        return []  # an image or a font: nobody reads it, no installer follows it
    text = data.decode("utf-8", errors="replace")
    return [
        (number, match.group(0))
        for number, line in enumerate(text.splitlines(), start=1)
        for match in REGISTRY_HOST.finditer(line)
    ]


def test_un_archivo_que_no_es_utf8_tambien_se_revisa():
    host = ".".join(_HOSTS[0])
    nota = f"Instalación:\nréplica de {host} en la oficina\n".encode("latin-1")
    assert offenses(nota) == [(2, host)]
    assert offenses(f"{host} y {'.'.join(_HOSTS[2])}".encode()) == [
        (1, host),
        (1, ".".join(_HOSTS[2])),
    ]
    assert offenses(b"\x89PNG\r\n\x1a\n\0" + host.encode()) == []  # binary


def test_ningun_archivo_del_repositorio_nombra_un_registro():
    files = _repository_files()
    names = {path.relative_to(ROOT).as_posix() for path in files}
    # The scan covers what installers read: compose, manifests, Dockerfiles, pyprojects.
    assert {"docker-compose.yml", "pyproject.toml", "services/pases/pyproject.toml"} <= names
    assert any(name.startswith("deploy/") for name in names)
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {host}"
        for path in files
        if path.is_file()
        for number, host in offenses(path.read_bytes())
    ]
    assert not offenders, "registry host names in files:\n" + "\n".join(offenders)
