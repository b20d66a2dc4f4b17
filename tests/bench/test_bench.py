"""`make bench` keeps working: its few-seconds mode runs end to end and writes every row.

Not timed and no target is asserted (a test run shares the machine; the figures mean nothing
here). It starts the whole system as tests/e2e does, which is most of its one to two minutes
on a shared 2-core machine, and then every scenario for one second each.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).with_name("bench.py")
ESCENARIOS = {
    "techo_hola",
    "techo_hola_64",
    "techo_lectura",
    "techo_insercion",
    "techo_numerada",
    "detalle_directo",
    "me_directo",
    "me_gateway",
    "detalle_gateway",
    "detalle_gateway_64",
    "alta_gateway",
}
OBJETIVOS = 7
# Routes through several processes can take longer than a brief run's second on a shared box:
# for them the test holds only that nothing but 2xx came back.
LENTOS = {"detalle_gateway", "detalle_gateway_64", "alta_gateway"}


@pytest.mark.timeout(300)
def test_el_banco_breve_escribe_cada_escenario_y_cada_objetivo_con_cifras(tmp_path: Path) -> None:
    hecho = subprocess.run(
        [sys.executable, str(BENCH), "--breve", "--salida", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert hecho.returncode == 0, hecho.stdout[-3000:] + hecho.stderr[-3000:]
    (resultado,) = tmp_path.glob("*.json")
    datos = json.loads(resultado.read_text())

    assert set(datos["escenarios"]) == ESCENARIOS
    for clave, medida in datos["escenarios"].items():
        assert medida["exitosas"] == medida["total"], (clave, medida["estados"])
        assert isinstance(medida["por_segundo"], float), clave
        assert isinstance(medida["cpu_ms"], float), clave
        if clave not in LENTOS:
            assert medida["exitosas"] > 0, clave
            assert medida["cpu_ms"] > 0, clave
    objetivos = [f for f in datos["filas"] if f["objetivo"] is not None]
    assert len(objetivos) == OBJETIVOS
    for fila in objetivos:
        assert isinstance(fila["valor"], float), fila
        assert isinstance(fila["cumple"], bool), fila
    assert "resultado" in hecho.stdout  # the table was printed
    assert str(resultado) in hecho.stdout
