"""The committed locks pin every dependency by version and sha256, name no address, and an
install whose file does not match its recorded hash fails (nothing is installed)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCKS = ("requirements.lock", "requirements-dev.lock")
UV = ROOT / ".tools" / "bin" / "uv"


def _requirements(lock: str) -> dict[str, str]:
    """`name==version` line -> its whole block (continuations joined), editables left out."""
    blocks: dict[str, str] = {}
    text = (ROOT / lock).read_text(encoding="utf-8")
    for block in re.split(r"\n(?=\S)", text):
        first = block.split(" ", 1)[0].strip()
        if first and not first.startswith(("#", "-e")):
            blocks[first] = block
    return blocks


@pytest.mark.parametrize("lock", LOCKS)
def test_cada_dependencia_tiene_version_exacta_y_hash(lock: str) -> None:
    blocks = _requirements(lock)
    assert len(blocks) > 40, f"{lock} looks empty"
    for requirement, block in blocks.items():
        assert re.fullmatch(r"[A-Za-z0-9._-]+(\[[^\]]+\])?==[^=\s;]+", requirement), requirement
        assert "--hash=sha256:" in block, f"{lock}: {requirement} has no hash"
        assert "://" not in block, f"{lock}: {requirement} names an address"


def test_el_lock_de_produccion_es_parte_del_de_desarrollo() -> None:
    produccion, desarrollo = _requirements(LOCKS[0]), _requirements(LOCKS[1])
    assert set(produccion) <= set(desarrollo), set(produccion) - set(desarrollo)
    assert not any(name.startswith(("pytest==", "ruff==", "mypy==")) for name in produccion)
    # Images install their service with it as constraints, which cannot hold editables.
    assert "-e " not in (ROOT / LOCKS[0]).read_text(encoding="utf-8")


def _otro_hash(found: re.Match[str]) -> str:
    """The same hash with its last digit changed: what a tampered lock would say."""
    digest = found.group(0)
    return digest[:-1] + ("1" if digest[-1] != "1" else "2")


def _sync(venv: Path, requirements: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    return subprocess.run(
        [str(UV), "pip", "sync", "--python", str(venv / "bin" / "python"), str(requirements)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.mark.skipif(not UV.exists(), reason="make bootstrap installs uv into .tools/")
def test_un_hash_alterado_impide_la_instalacion(tmp_path: Path) -> None:
    block = next(b for r, b in _requirements(LOCKS[0]).items() if r.startswith("idna=="))
    venv = tmp_path / "venv"
    subprocess.run(
        [str(UV), "venv", "--quiet", "--python", sys.executable, str(venv)],
        check=True,
        env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"},
    )
    alterado = tmp_path / "alterado.lock"
    alterado.write_text(re.sub(r"sha256:[0-9a-f]{64}", _otro_hash, block) + "\n")
    refused = _sync(venv, alterado)
    assert refused.returncode != 0
    assert "hash" in refused.stderr.lower(), refused.stderr
    site = next((venv / "lib").glob("python*/site-packages"))
    assert not list(site.glob("idna*")), "a file that failed its hash check was installed"

    intacto = tmp_path / "intacto.lock"
    intacto.write_text(block + "\n")
    assert _sync(venv, intacto).returncode == 0
    assert list(site.glob("idna*"))
