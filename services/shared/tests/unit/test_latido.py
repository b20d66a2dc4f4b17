"""The heartbeat of processes without HTTP: touched while the loop runs, and the `latido`
command (compose's healthcheck, Kubernetes' liveness probe) says whether it is fresh."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

from sigexp_common import latido


async def test_latir_toca_el_archivo_mientras_corre(tmp_path) -> None:
    path = tmp_path / "latido"
    task = asyncio.create_task(latido.latir(path))
    try:
        for _ in range(50):
            if path.exists():
                break
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
    assert latido.reciente(path)


def test_un_latido_viejo_o_ausente_no_es_reciente(tmp_path) -> None:
    path = tmp_path / "latido"
    assert not latido.reciente(path)
    path.touch()
    old = time.time() - latido.MAX_AGE - 5
    os.utime(path, (old, old))
    assert not latido.reciente(path)


def _comando(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "auditoria", "latido", *args], capture_output=True, text=True
    )


def test_el_comando_latido_sale_0_con_latido_fresco_y_1_sin_el() -> None:
    path = latido.ruta("auditoria", "consume")
    path.unlink(missing_ok=True)
    sin = _comando("consume")
    path.touch()
    con = _comando("consume")
    path.unlink()

    assert sin.returncode == 1
    assert "sin latido" in sin.stderr
    assert con.returncode == 0, con.stderr
    assert _comando().returncode == 2
