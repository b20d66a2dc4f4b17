"""The one service image (deploy/Dockerfile): uv multi-stage from the repository root, the
service's package from the lock, non-root, health-checked, runnable as every process kind."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from sigexp_testing import workspace

ROOT = Path(__file__).resolve().parents[2]


def _args(dockerfile, instruction):
    return " ".join(dockerfile.all(instruction))


def test_cada_servicio_se_instala_como_sigexp_nombre_con_su_script(services):
    # The Dockerfile installs `sigexp-${SERVICE}` and runs its console script `sigexp-${SERVICE}`.
    assert {"auth", "expedientes", "pases", "archivos", "auditoria", "gateway"} <= set(services)
    for name, code in services.items():
        assert code.package == f"sigexp-{name}", f"services/{name}: package is {code.package}"
        assert code.env_names, f"services/{name}: its Settings class reads no variable"
        assert "serve" in code.commands, f"services/{name}: the image's CMD `serve` is unknown"


def test_el_dockerfile_es_multietapa_y_copia_solo_el_entorno_construido(dockerfile):
    froms = dockerfile.all("FROM")
    assert len(froms) >= 2, "not a multi-stage build"
    assert re.search(r"\bAS\s+\w+", froms[0], re.IGNORECASE), "unnamed build stage"
    copies = [args for op, args in dockerfile.final_stage() if op == "COPY"]
    assert copies, "the final stage copies nothing from the build stage"
    assert all("--from=" in args for args in copies), f"the final stage copies {copies}"


def test_el_dockerfile_instala_el_paquete_del_servicio_desde_el_lockfile(dockerfile):
    installs = [args for args in dockerfile.all("RUN") if "uv pip install" in args]
    assert len(installs) == 1, f"expected one `uv pip install`, got {installs}"
    flags = installs[0].split()
    assert "--no-editable" in flags, "`uv pip install` without --no-editable"
    assert flags[flags.index("--constraints") + 1] == "requirements.lock", "not pinned by the lock"
    assert './services/shared "./services/${SERVICE}"' in installs[0], "not only this service"
    copied = _args(dockerfile, "COPY")
    for needed in ("pyproject.toml", "requirements.lock", "services"):
        assert needed in copied, f"the build stage does not copy {needed}"
    assert "UV_PYTHON_DOWNLOADS=never" in _args(dockerfile, "ENV"), "uv may download a Python"


def test_el_dockerfile_corre_como_usuario_no_root(dockerfile):
    users = [args for op, args in dockerfile.final_stage() if op == "USER"]
    assert users, "the final stage has no USER"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}, "runs as root"
    # Kubernetes can only verify runAsNonRoot against a numeric user.
    assert user.isdigit(), f"USER {users[-1]} is not numeric"


def test_el_healthcheck_sondea_el_puerto_del_servicio(dockerfile):
    checks = dockerfile.all("HEALTHCHECK")
    assert len(checks) == 1, f"expected one HEALTHCHECK, got {checks}"
    assert "NONE" not in checks[0].upper()
    assert "SIGEXP_PORT" in checks[0], checks[0]
    assert "/health/live" in checks[0], checks[0]
    assert "SIGEXP_PORT=${PORT}" in _args(dockerfile, "ENV"), "SIGEXP_PORT is not the PORT arg"
    assert dockerfile.all("EXPOSE") == ["${PORT}"], f"EXPOSE {dockerfile.all('EXPOSE')}"


def test_la_imagen_corre_el_script_del_servicio_y_sirve_http_por_defecto(dockerfile):
    runs = _args(dockerfile, "RUN")
    assert re.search(r'ln -s "?sigexp-\$\{SERVICE\}"? /app/\.venv/bin/sigexp-service', runs), runs
    entrypoint = re.findall(r'"([^"]*)"', dockerfile.all("ENTRYPOINT")[-1])
    assert entrypoint == ["sigexp-service"], entrypoint
    # Without --port, `serve` listens on the service's default port, the one HEALTHCHECK probes.
    assert re.findall(r'"([^"]*)"', dockerfile.all("CMD")[-1]) == ["serve", "--host", "0.0.0.0"]


def test_los_paquetes_debian_extra_van_solo_a_la_etapa_final(dockerfile):
    stage = dockerfile.final_stage()
    assert ("ARG", 'SYSTEM_PACKAGES=""') in stage, "SYSTEM_PACKAGES must default to nothing"
    installs = [args for op, args in stage if op == "RUN" and "apt-get install" in args]
    assert len(installs) == 1, installs
    assert "${SYSTEM_PACKAGES}" in installs[0], installs
    assert "rm -rf /var/lib/apt/lists/*" in installs[0], "the apt lists stay in the image"


def test_dockerignore_deja_fuera_entornos_y_datos_locales():
    ignore = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    rules = [line.strip() for line in ignore if line.strip() and not line.startswith("#")]
    # An allow-list: everything out, then only what the image build reads back in.
    assert rules[0] == "**"
    allowed = {rule[1:] for rule in rules if rule.startswith("!")}
    assert {"pyproject.toml", "requirements.lock", "services/*/src/"} <= allowed
    assert not any(part in rule for rule in allowed for part in (".venv", ".data", ".git"))


def _build_context(target: Path) -> None:
    """What .dockerignore lets into the build: the lock, the pyprojects, READMEs and sources."""
    for name in ("pyproject.toml", "requirements.lock"):
        shutil.copy2(ROOT / name, target / name)
    for pyproject in (ROOT / "services").glob("*/pyproject.toml"):
        folder = target / "services" / pyproject.parent.name
        folder.mkdir(parents=True)
        shutil.copy2(pyproject, folder / "pyproject.toml")
        if (readme := pyproject.parent / "README.md").is_file():
            shutil.copy2(readme, folder / "README.md")
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        shutil.copytree(pyproject.parent / "src", folder / "src", ignore=ignore)


def test_la_etapa_de_build_instala_solo_el_servicio_y_su_script_arranca(dockerfile, tmp_path):
    # The build stage's own commands, run here with the machine's uv and Python (no engine),
    # for one service: every other one differs only by SERVICE, whose package and console
    # script names the registry and the test above hold.
    service = "archivos"
    uv = ROOT / ".tools" / "bin" / "uv"
    if not uv.exists():
        pytest.skip("no .tools/bin/uv (run `make bootstrap`)")
    _build_context(tmp_path)
    run = next(args for args in dockerfile.all("RUN") if "uv pip install" in args)
    script = re.sub(r"^--mount=\S+\s+", "", run).replace("${SERVICE}", service)
    # uv's cache answers when it can; `--offline` cannot resolve registry packages without a lock.
    script = script.replace("/app/", f"{tmp_path}/").replace("uv venv", f"{uv} venv")
    script = script.replace("uv pip install", f"{uv} pip install")
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "UV_LINK_MODE": "copy"}
    env.pop("VIRTUAL_ENV", None)
    built = subprocess.run(
        ["sh", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert built.returncode == 0, built.stderr[-2000:]
    bin_dir = tmp_path / ".venv" / "bin"
    helped = subprocess.run(
        [bin_dir / "sigexp-service", "--help"], capture_output=True, text=True, timeout=60
    )
    assert helped.returncode == 0, helped.stderr[-2000:]
    assert "serve" in helped.stdout
    others = [s for s in workspace.names() if s != service]
    probe = "import importlib.util as u, sys; print([m for m in sys.argv[1:] if u.find_spec(m)])"
    found = subprocess.run(
        [bin_dir / "python", "-c", probe, *others, "pytest", "sigexp_testing"],
        capture_output=True,
        text=True,
    )
    assert found.stdout.strip() == "[]", f"the {service} image also has {found.stdout.strip()}"
