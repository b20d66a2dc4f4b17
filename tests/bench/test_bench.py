"""`make bench` keeps working: its few-seconds mode runs end to end and writes every row, the
mixed workload's levels, the Markdown table and the PNG.

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
from PIL import Image

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


@pytest.mark.timeout(420)
def test_el_banco_breve_escribe_cada_escenario_la_carga_mixta_la_tabla_y_el_grafico(
    tmp_path: Path,
) -> None:
    hecho = subprocess.run(
        [sys.executable, str(BENCH), "--breve", "--salida", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=400,
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
        assert isinstance(fila["pasa"], bool), fila

    # The mixed workload ran at every level, only 2xx (a pase never meets an expediente of
    # its own making in the wrong state), every kind of request of the mix among them.
    niveles = datos["mezcla"]
    assert [n["conexiones"] for n in niveles] == [1, 4, 16, 64]
    for nivel in niveles:
        assert nivel["exitosos"] == nivel["pedidos"] > 0, nivel["estados"]
    tipos = {t for n in niveles for t in n["tipos"]}
    assert {"pase", "alta"} <= tipos, tipos
    assert tipos & {"detalle", "listado"}, tipos
    claves = {f["clave"] for f in datos["filas"]}
    assert {"mezcla_1", "mezcla_64", "rabbitmq_crudo"} <= claves

    tabla = resultado.with_suffix(".md").read_text()
    assert "| cifra | valor | base | razón | objetivo | resultado | p99 ms |" in tabla
    assert tabla.count("| carga mixta 70/20/10 por gateway") == 4
    with Image.open(resultado.with_suffix(".png")) as grafico:
        assert grafico.format == "PNG"
        assert grafico.size == (900, 520)
    assert "resultado" in hecho.stdout  # the table was printed
    assert str(resultado) in hecho.stdout


def _en_la_carpeta(programa: str) -> str:
    """What `programa` prints, run as the benches run: from their folder, its modules
    importable as they import each other."""
    hecho = subprocess.run(
        [sys.executable, "-c", programa],
        cwd=BENCH.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    return hecho.stdout


def test_cada_banco_de_issue_arranca_desde_su_carpeta() -> None:
    """The brief run leaves the per-issue benches out (each starts a system of its own), and a
    full run only names a crashed one among its avisos: here each at least imports what it
    needs when started as `make bench` starts it. A bench module named like a service (once
    tests/bench/archivos.py) hid that service's package from ocr.py."""
    listar = "import completo; print('\\n'.join(s for _, s, *_ in completo.POR_ISSUE))"
    scripts = _en_la_carpeta(listar).split()
    assert "ocr.py" in scripts
    for script in scripts:
        hecho = subprocess.run(
            [sys.executable, str(BENCH.parent / script), "--help"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert hecho.returncode == 0, (script, hecho.stderr[-2000:])


def test_un_soak_con_respuestas_no_2xx_o_memoria_que_crece_falla() -> None:
    """The soak once ran its last 15 minutes on an expired token, every answer a 401, and
    still printed its figures as a pass: now any non-2xx, an RSS growth beyond 10% or an
    undrained outbox is a failure named in its last line (and exit 1)."""
    programa = """
import json, soak
def documento(estados, excede, pendientes):
    return {
        "total": {"pedidos": sum(estados.values()),
                  "exitosos": sum(n for e, n in estados.items() if e.startswith("2"))},
        "rss": {"pases": {"excede_10": excede}, "auth": {"excede_10": False}},
        "outbox": [{"outbox": {"pases": {"sin_publicar": pendientes}}}],
    }
print(json.dumps([
    soak.fallas_del_soak(documento({"200": 90, "201": 10}, False, 0)),
    soak.fallas_del_soak(documento({"200": 50, "401": 50}, True, 3)),
]))
"""
    limpio, fallido = json.loads(_en_la_carpeta(programa))
    assert limpio == []
    assert fallido == [
        "50 respuestas no 2xx",
        "RSS creció más de 10% en pases",
        "outbox sin publicar al terminar: {'pases': 3}",
    ]
