"""The Kubernetes overlays, rendered by kustomize (`kubectl kustomize`) and checked offline.

Every object of `overlays/dev` and `overlays/prod` validates against the Kubernetes JSON
schemas (kubernetes-validate, strict: an unknown field is an error) and KEDA's objects against
the schemas in `esquemas/`; the network policies let traffic in only at the gateway and let
each pod out only to what its service uses.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from sigexp_testing import workspace

ROOT = Path(__file__).resolve().parents[2]
OVERLAYS = ROOT / "deploy" / "k8s" / "overlays"
SCHEMAS = Path(__file__).parent / "esquemas"
KUBERNETES_VERSION = "1.30"  # the oldest release the manifests promise to run on
CUSTOM = {
    ("keda.sh/v1alpha1", "ScaledObject"): "keda-scaledobject-v1alpha1.json",
    ("keda.sh/v1alpha1", "TriggerAuthentication"): "keda-triggerauthentication-v1alpha1.json",
}
POD_OWNERS = ("Deployment", "Job")


def _render(overlay: str) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl (with kustomize) is needed to render deploy/k8s/overlays"
    built = subprocess.run(
        [kubectl, "kustomize", str(OVERLAYS / overlay)], capture_output=True, text=True, timeout=60
    )
    assert built.returncode == 0, f"kubectl kustomize overlays/{overlay} fails:\n{built.stderr}"
    return [doc for doc in yaml.safe_load_all(built.stdout) if doc]


@pytest.fixture(scope="module", params=["dev", "prod"])
def overlay(request: pytest.FixtureRequest) -> tuple[str, list[dict[str, Any]]]:
    return request.param, _render(request.param)


def _name(obj: dict[str, Any]) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}"


def test_cada_objeto_valida_contra_el_esquema_de_kubernetes_o_de_keda(overlay) -> None:
    name, objects = overlay
    problems = []
    for obj in objects:
        custom = CUSTOM.get((obj["apiVersion"], obj["kind"]))
        try:
            if custom:
                schema = json.loads((SCHEMAS / custom).read_text())
                jsonschema.validate(obj, schema)
            else:
                kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except (jsonschema.ValidationError, kubernetes_validate.ValidationError) as exc:
            problems.append(f"{_name(obj)}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError:
            problems.append(f"{_name(obj)}: no schema for {obj['apiVersion']} {obj['kind']}")
    assert not problems, f"overlays/{name}:\n" + "\n".join(problems)


def _pods(objects: list[dict[str, Any]]) -> list[tuple[str, dict[str, str]]]:
    return [
        (_name(obj), obj["spec"]["template"]["metadata"]["labels"])
        for obj in objects
        if obj["kind"] in POD_OWNERS
    ]


def _policies(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [obj for obj in objects if obj["kind"] == "NetworkPolicy"]


def _selects(policy: dict[str, Any], labels: dict[str, str]) -> bool:
    wanted = policy["spec"]["podSelector"].get("matchLabels", {})
    return all(labels.get(k) == v for k, v in wanted.items())


def test_todo_se_niega_salvo_lo_que_una_politica_permite(overlay) -> None:
    name, objects = overlay
    deny = [
        p
        for p in _policies(objects)
        if p["spec"]["podSelector"] == {}
        and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
    ]
    assert deny, f"overlays/{name} has no default-deny policy"


def test_solo_el_gateway_recibe_trafico_de_fuera_del_namespace(overlay) -> None:
    name, objects = overlay
    for pod, labels in _pods(objects):
        open_rules = [
            rule
            for policy in _policies(objects)
            if _selects(policy, labels)
            for rule in policy["spec"].get("ingress", [])
            if not rule.get("from")
        ]
        is_gateway_api = labels == {
            "app.kubernetes.io/name": workspace.GATEWAY,
            "app.kubernetes.io/component": "api",
        }
        if is_gateway_api:
            assert open_rules, f"{pod}: the gateway must take traffic from outside"
        else:
            assert not open_rules, f"overlays/{name} {pod} takes traffic from anywhere"


def _egress_ports(objects: list[dict[str, Any]], labels: dict[str, str]) -> set[int]:
    return {
        int(port["port"])
        for policy in _policies(objects)
        if _selects(policy, labels)
        for rule in policy["spec"].get("egress", [])
        for port in rule.get("ports", [])
    }


def _expected_egress(service: workspace.Service) -> set[int]:
    ports = {53, 5672}  # DNS, and the broker (events; revoked sessions for the gateway)
    if service.has_database:
        ports.add(5432)
    if service.uses_s3:
        ports |= {9000, 443}
    if service.name == workspace.GATEWAY:
        ports |= {s.port for s in workspace.services() if s.name != workspace.GATEWAY}
    elif service.name != "auth":
        ports.add(workspace.service("auth").port)  # its JWKS
    if service.name == "integraciones":
        ports |= {15672, 443}  # the broker's management API; ministries' HTTPS webhooks
    return ports


def test_cada_pod_solo_sale_a_su_base_al_broker_y_si_es_archivos_al_almacenamiento(
    overlay,
) -> None:
    name, objects = overlay
    for pod, labels in _pods(objects):
        service = workspace.service(labels["app.kubernetes.io/name"])
        assert _egress_ports(objects, labels) == _expected_egress(service), f"overlays/{name} {pod}"


def _by_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {obj["metadata"]["name"]: obj for obj in objects if obj["kind"] == kind}


def test_dev_corre_una_replica_sin_keda_con_hpa_para_los_workers() -> None:
    objects = _render("dev")
    assert not [obj for obj in objects if obj["apiVersion"].startswith("keda.sh/")]
    workers = [s for s in workspace.services() if s.worker_queue]
    hpas = _by_kind(objects, "HorizontalPodAutoscaler")
    assert {f"{s.name}-worker" for s in workers} <= set(hpas)
    for name, deployment in _by_kind(objects, "Deployment").items():
        assert deployment["spec"].get("replicas", 1) == 1, name
    assert {obj["metadata"].get("namespace") for obj in objects if obj["kind"] != "Namespace"} == {
        "sigexp-dev"
    }
    assert _by_kind(objects, "ConfigMap")["sigexp-config"]["data"]["env"] == "development"


def test_prod_escala_los_workers_con_keda_y_cada_api_tiene_replicas_y_presupuesto() -> None:
    objects = _render("prod")
    scaled = _by_kind(objects, "ScaledObject")
    for service in workspace.services():
        if service.worker_queue and service.has_worker:
            assert f"{service.name}-worker" in scaled
    deployments = _by_kind(objects, "Deployment")
    budgets = _by_kind(objects, "PodDisruptionBudget")
    for service in workspace.services():
        api = deployments[service.name]
        assert api["spec"]["replicas"] >= 2, service.name
        assert service.name in budgets, f"{service.name}: no PodDisruptionBudget"
    assert deployments[workspace.GATEWAY]["spec"]["replicas"] >= 3
    assert _by_kind(objects, "ConfigMap")["sigexp-config"]["data"]["env"] == "production"
