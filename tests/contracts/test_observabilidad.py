"""The dashboard and the alert rules in deploy/observabilidad name only metrics the code
exports, with labels it sets; every alert says what to do (a section of the runbook)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
OBS = ROOT / "deploy" / "observabilidad"
RUNBOOK = ROOT / "docs" / "operaciones.md"
DEFINITION = re.compile(
    r'(Counter|Gauge|Histogram)\(\s*"(sigexp_[a-z0-9_]+)",\s*"[^"]*"(?:,\s*\[([^\]]*)\])?', re.S
)
METRIC = re.compile(r"\bsigexp_[a-z0-9_]+\b")
# Labels Prometheus adds (scrape configuration, prometheus.yaml) or PromQL itself uses.
ADDED = {"service", "component", "pod", "le", "job", "instance"}


def _exported() -> dict[str, set[str]]:
    """Every series name the services export -> its labels, read from their source."""
    found: dict[str, set[str]] = {}
    for path in ROOT.glob("services/*/src/**/*.py"):
        for kind, name, labels in DEFINITION.findall(path.read_text(encoding="utf-8")):
            names = set(re.findall(r'"([a-z_]+)"', labels or ""))
            series = {"Counter": [f"{name.removesuffix('_total')}_total"], "Gauge": [name]}.get(
                kind, [f"{name}_bucket", f"{name}_count", f"{name}_sum"]
            )
            for item in series:
                found[item] = names
    return found


def _expressions() -> list[str]:
    dashboard = json.loads((OBS / "grafana-sigexp.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    rules = yaml.safe_load((OBS / "alertas.yaml").read_text())
    exprs += [r["expr"] for g in rules["groups"] for r in g["rules"]]
    return exprs


def test_el_tablero_y_las_alertas_usan_metricas_que_el_codigo_exporta() -> None:
    exported = _exported()
    assert "sigexp_http_requests_total" in exported, "the reader of the source finds metrics"
    for expr in _expressions():
        for name in METRIC.findall(expr):
            assert name in exported, f"{name} (in `{expr}`) is exported by no service"


def test_las_etiquetas_filtradas_o_agrupadas_existen_en_la_metrica() -> None:
    exported = _exported()
    for expr in _expressions():
        for name, selector in re.findall(r"(sigexp_[a-z0-9_]+)\{([^}]*)\}", expr):
            for label in re.findall(r"([a-z_]+)\s*=~?", selector):
                assert label in exported[name] | ADDED, f"{name} has no label {label}"
        for grouped in re.findall(r"by \(([^)]*)\)", expr):
            used = {label.strip() for label in grouped.split(",")}
            names = METRIC.findall(expr)
            known = set().union(*(exported[n] for n in names)) | ADDED
            assert used <= known, f"`{expr}` groups by {used - known}"


def test_cada_alerta_tiene_severidad_resumen_y_una_seccion_del_manual_de_operaciones() -> None:
    rules = yaml.safe_load((OBS / "alertas.yaml").read_text())
    runbook = RUNBOOK.read_text(encoding="utf-8")
    anchors = {
        re.sub(r"[^a-z0-9 -]", "", line[3:].strip().lower()).replace(" ", "-")
        for line in runbook.splitlines()
        if line.startswith("## ")
    }
    alerts = [r for g in rules["groups"] for r in g["rules"]]
    assert alerts
    for rule in alerts:
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        anchor = rule["annotations"]["runbook"].split("#", 1)[1]
        assert anchor in anchors, f"{rule['alert']}: docs/operaciones.md has no section #{anchor}"
