"""Every service image: uv multi-stage build from the repository root, non-root, health-checked."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_cada_servicio_tiene_dockerfile_pyproject_y_settings(services):
    for name in ("auth", "expedientes", "pases", "archivos", "auditoria", "gateway"):
        assert name in services, f"services/{name}/Dockerfile is missing"
    for name, code in services.items():
        assert code.package == f"sigexp-{name}", f"services/{name}: package is {code.package}"
        assert code.env_names, f"services/{name}: its Settings class reads no variable"


def test_cada_dockerfile_es_multietapa_y_copia_solo_el_entorno_construido(services):
    for name, code in services.items():
        froms = code.dockerfile.all("FROM")
        assert len(froms) >= 2, f"{name}: not a multi-stage build"
        assert re.search(r"\bAS\s+\w+", froms[0], re.IGNORECASE), f"{name}: unnamed build stage"
        copies = [args for op, args in code.dockerfile.final_stage() if op == "COPY"]
        assert copies, f"{name}: the final stage copies nothing from the build stage"
        assert all("--from=" in args for args in copies), (
            f"{name}: the final stage must copy only from the build stage, got {copies}"
        )


def test_cada_dockerfile_instala_su_paquete_desde_el_lockfile_del_workspace(services):
    for name, code in services.items():
        syncs = [args for args in code.dockerfile.all("RUN") if "uv sync" in args]
        assert len(syncs) == 1, f"{name}: expected one `uv sync`, got {syncs}"
        flags = syncs[0].split()
        for flag in ("--frozen", "--no-dev", "--no-editable"):
            assert flag in flags, f"{name}: `uv sync` without {flag}"
        assert flags[flags.index("--package") + 1] == code.package, (
            f"{name}: `uv sync --package` must name {code.package}"
        )
        copied = " ".join(code.dockerfile.all("COPY"))
        for needed in ("pyproject.toml", "uv.lock", "services"):
            assert needed in copied, f"{name}: the build stage does not copy {needed}"
        env = " ".join(code.dockerfile.all("ENV"))
        assert "UV_PYTHON_DOWNLOADS=never" in env, f"{name}: uv may download a Python"


def test_cada_dockerfile_corre_como_usuario_no_root(services):
    for name, code in services.items():
        users = [args for op, args in code.dockerfile.final_stage() if op == "USER"]
        assert users, f"{name}: the final stage has no USER"
        user = users[-1].split(":")[0]
        assert user not in {"root", "0"}, f"{name}: runs as root"
        # Kubernetes can only verify runAsNonRoot against a numeric user.
        assert user.isdigit(), f"{name}: USER {users[-1]} is not numeric"


def test_cada_dockerfile_tiene_healthcheck_en_su_puerto(services):
    for name, code in services.items():
        checks = code.dockerfile.all("HEALTHCHECK")
        assert len(checks) == 1, f"{name}: expected one HEALTHCHECK, got {checks}"
        assert "NONE" not in checks[0].upper(), f"{name}: HEALTHCHECK NONE"
        exposed = {int(port.split("/")[0]) for port in code.dockerfile.all("EXPOSE")}
        assert exposed == {code.default_port}, (
            f"{name}: EXPOSE {exposed} but the service listens on {code.default_port}"
        )
        assert f"127.0.0.1:{code.default_port}/health/" in checks[0], (
            f"{name}: HEALTHCHECK does not probe /health/ on port {code.default_port}"
        )


def test_el_cmd_de_cada_imagen_sirve_http_en_su_puerto(services):
    for name, code in services.items():
        cmds = code.dockerfile.all("CMD")
        assert cmds, f"{name}: no CMD"
        expected = ["python", "-m", name, "serve", "--host", "0.0.0.0", "--port"]
        cmd = re.findall(r'"([^"]*)"', cmds[-1])
        assert cmd[: len(expected)] == expected, f"{name}: CMD is {cmds[-1]}"
        assert cmd[len(expected)] == str(code.default_port)
        assert "serve" in code.commands


def test_dockerignore_deja_fuera_entornos_y_datos_locales():
    ignore = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    rules = [line.strip() for line in ignore if line.strip() and not line.startswith("#")]
    # An allow-list: everything out, then only what the image build reads back in.
    assert rules[0] == "**"
    allowed = {rule[1:] for rule in rules if rule.startswith("!")}
    assert {"pyproject.toml", "uv.lock", "services/*/src/"} <= allowed
    assert not any(part in rule for rule in allowed for part in (".venv", ".data", ".git"))
